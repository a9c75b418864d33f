"""The Content-Security-Policy in a real browser: the admin and both docs pages still work."""

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from incidents.monitoring.services import signals_ingest
from tests.e2e.conftest import log_in, with_password

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# Records every violation the browser reports, before any script of the page runs.
WATCH_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(e.violatedDirective + " " + e.blockedURI);
});
"""


@pytest.fixture
def watched_page(new_page):
    page = new_page()
    page.add_init_script(WATCH_VIOLATIONS)
    messages = []
    page.on("console", lambda message: messages.append(message.text))
    page.console_messages = messages
    return page


# Redoc's side menu shows its vendor's logo from cdn.redoc.ly: refused on purpose (offline docs
# that tell no one who reads them), and the page works without it.
EXPECTED = "https://cdn.redoc.ly/"


def assert_no_violation(page):
    violations = page.evaluate("window.__cspViolations")
    assert [v for v in violations if EXPECTED not in v] == []
    console = [m for m in page.console_messages if "Content Security Policy" in m]
    assert [m for m in console if EXPECTED not in m] == []


def test_the_admin_works_under_the_policy(watched_page, manager, make_incident, make_user):
    page = watched_page
    incident = make_incident("assessed", actor=manager, title="Policy check")
    signals = [
        {"platform": "x", "observed_at": timezone.now(), "content": f"Post {i}",
         "incident": incident.pk, "external_id": f"post-{i}"}
        for i in range(3)
    ]  # fmt: skip
    signals_ingest(actor=make_user("monitor"), signals=signals)
    log_in(page, with_password(manager))
    assert_no_violation(page)

    page.goto(reverse("admin:incidents_incident_change", args=[incident.pk]))
    expect(page.locator("#crisis-status")).to_have_attribute("data-status", "assessed")
    expect(page.locator("svg.crisis-hourly")).to_be_visible()  # the signals' chart
    assert_no_violation(page)

    # A transition's form (its own scripts and the admin's widgets), then back.
    page.locator("#crisis-transitions").get_by_role("link").first.click()
    expect(page.locator("#transition-form")).to_be_visible()
    assert_no_violation(page)

    for name in ("admin:index", "admin:incidents_incident_changelist", "admin:metrics"):
        page.goto(reverse(name))
        assert_no_violation(page)


def test_swagger_ui_renders_under_the_policy(watched_page):
    page = watched_page
    page.goto(reverse("swagger-ui"))

    expect(page.locator(".opblock").first).to_be_visible(timeout=60_000)
    assert_no_violation(page)


def test_redoc_renders_under_the_policy(watched_page):
    page = watched_page
    page.goto(reverse("redoc"))

    # Redoc renders once it has fetched the schema, which the server generates on demand:
    # slow on a busy machine.
    expect(page.locator("h1").first).to_contain_text("Crisis API", timeout=60_000)
    search = page.locator("[role=search] input, input[placeholder='Search...']").first
    expect(search).to_be_visible()
    assert_no_violation(page)
