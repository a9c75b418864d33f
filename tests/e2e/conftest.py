"""Browser fixtures: the system's headless Chromium, driven by Playwright, on live_server.

Playwright's own browser download needs the internet, so the system Chromium is launched
instead: `CHROMIUM_PATH`, else `chromium` on the PATH, else the tests are skipped.
"""

import os
import shutil

import pytest
from playwright.sync_api import expect

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "e2e-pass-phrase-0451"
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="session")
def chromium_path():
    path = shutil.which(os.environ.get("CHROMIUM_PATH") or "chromium")
    if path is None:
        pytest.skip(
            "Chromium not found: install Debian's chromium package (make browsers) "
            "or set CHROMIUM_PATH to run the browser tests"
        )
    return path


@pytest.fixture
def browser(chromium_path, transactional_db, live_server, monkeypatch):
    """A headless Chromium for one test, started once the test's database is ready.

    Between its calls, Playwright's sync API leaves an asyncio loop marked as running in this
    thread. Django then (1) refuses ORM calls (SynchronousOnlyOperation), hence the variable
    below, set for these tests only; and (2) keeps a separate set of connections for "async"
    code (asgiref's Local), which lack the serialized data `serialized_rollback` restores the
    role groups from. So Playwright runs only inside each test, after its database setup and
    before its flush, and the connections opened meanwhile are closed before it stops.
    """
    from django.db import connections
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
        connections.close_all()


@pytest.fixture(autouse=True)
def _browser_test_settings(settings, plain_static_files):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def new_page(browser, live_server):
    """new_page(**context_options) -> a page in a fresh browser context, on the live server."""
    contexts = []

    def make(**options):
        context = browser.new_context(base_url=live_server.url, **options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


def with_password(user):
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    return user


def log_in(page, user, *, succeeds: bool = True):
    """Log in through the admin's real login form; wait for the page that follows."""
    page.goto("/admin/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    if succeeds:
        expect(page.locator("#user-tools")).to_contain_text(user.username)
