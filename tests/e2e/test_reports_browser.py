"""The workspace's report pages in a real browser: the home page's *Reports* and the metrics
page fit a laptop and a phone."""

from decimal import Decimal

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from incidents.actions.models import Action
from tests.e2e.conftest import PHONE, log_in, with_password

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

LAPTOP = {"width": 1280, "height": 800}


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["laptop", "phone"])
def test_the_home_page_lists_the_reports_readably(viewport, new_page, manager):
    page = new_page(viewport=viewport)
    log_in(page, with_password(manager))

    page.goto(reverse("admin:index"))

    link = page.locator("#crisis-pages").get_by_role("link", name="Team metrics")
    expect(link).to_be_visible()
    # "Team metrics" on one line (two at most on a phone), not a letter per line.
    assert link.evaluate("a => a.getClientRects().length") <= 2
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]


def test_the_metrics_page_fits_a_phone(new_page, manager, make_incident):
    incident = make_incident("responding", actor=manager)
    Action.objects.create(
        incident=incident, kind="compensation", title="Refund", amount=Decimal("18032.50"),
        currency="EUR", beneficiaries=3004, created_by=manager,
    )  # fmt: skip
    page = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    log_in(page, with_password(manager))

    page.goto(reverse("admin:metrics"))

    expect(page.get_by_text("Compensations offered (not cancelled)")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
