"""The workspace in a real browser: its language switch, and lists that fit a laptop screen."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from crisis_api.events.services import SYSTEM_STREAM, event_append
from tests.e2e.conftest import log_in, with_password

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

LAPTOP = {"width": 1280, "height": 800}


def test_manager_switches_the_workspace_to_french(page, manager, make_incident):
    make_incident("assessed", actor=manager)
    log_in(page, with_password(manager))
    page.goto(reverse("admin:incidents_incident_changelist"))

    switch = page.locator("#crisis-language")
    expect(switch.get_by_label("Language")).to_have_value("en")
    switch.get_by_label("Language").select_option("fr")
    switch.get_by_role("button", name="Switch").click()

    # Back on the same page, in French: Django's strings and ours.
    expect(page).to_have_url(
        re.compile(re.escape(reverse("admin:incidents_incident_changelist")) + "$")
    )
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.locator("#user-tools")).to_contain_text("Documentation de l\u2019API")
    expect(page.locator("#user-tools").get_by_role("button", name="Déconnexion")).to_be_visible()
    expect(page.locator("#changelist-filter")).to_contain_text("Par gravité")
    expect(page.locator("#crisis-language").get_by_label("Langue")).to_have_value("fr")

    page.goto(reverse("admin:index"))  # the choice is kept (a cookie)
    expect(page.locator("#content h1")).to_have_text("Espace des managers")


@pytest.mark.parametrize("list_name", ["incidents_incident", "crisis_api_event"])
def test_lists_are_not_cut_off_on_a_laptop(list_name, new_page, manager, make_incident):
    for status in ("detected", "assessed", "responding", "resolved"):
        make_incident(status, actor=manager, title="Vidéo virale d'un livreur impoli, reprise")
    event_append(stream=SYSTEM_STREAM, action="incidents.exported", actor=manager)
    page = new_page(viewport=LAPTOP)
    log_in(page, with_password(manager))

    page.goto(reverse(f"admin:{list_name}_changelist"))

    table = page.locator("#result_list")
    expect(table).to_be_visible()
    table_width = table.evaluate("t => t.scrollWidth")
    box_width = page.locator("#changelist .results").evaluate("r => r.clientWidth")
    assert table_width <= box_width, "the table scrolls sideways at 1,280 px"
    assert page.evaluate("document.documentElement.scrollWidth") <= LAPTOP["width"]
