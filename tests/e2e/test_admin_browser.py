"""The managers' workspace in a real headless browser: log in, filter, walk the lifecycle."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from crisis_api.models import Event
from tests.e2e.conftest import PHONE, log_in, with_password

pytestmark = [
    pytest.mark.e2e,
    # live_server needs a transactional database; serialized_rollback brings back the role
    # groups (created by a data migration) that its flush removes.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

HIGHLIGHT = "rgb(255, 213, 79)"  # #ffd54f, the current state in the diagram


def change_url(incident):
    return reverse("admin:incidents_incident_change", args=[incident.pk])


def transition_url(incident, name):
    return reverse("admin:incidents_incident_transition", args=[incident.pk, name])


def run_transition(page, name, **fields):
    """From the incident page: open a transition's form, fill it by label, submit it."""
    page.locator("#crisis-transitions").get_by_role("link", name=f"{name}…").click()
    for label, value in fields.items():
        page.get_by_label(label).fill(value)
    page.locator("#transition-form").get_by_role("button", name=name).click()


def test_manager_walks_an_incident_through_its_lifecycle(page, manager, make_incident):
    incident = make_incident(actor=manager, title="Viral post about a recalled batch")
    other = make_incident("assessed", actor=manager, title="Unrelated complaint")
    log_in(page, with_password(manager))

    # The list, filtered from the sidebar.
    page.goto(reverse("admin:incidents_incident_changelist"))
    page.locator("#changelist-filter").get_by_role("link", name="Detected", exact=True).click()
    expect(page).to_have_url(re.compile(r"status__exact=detected"))
    results = page.locator("#result_list")
    expect(results).to_contain_text(incident.reference)
    expect(results).not_to_contain_text(other.reference)
    results.get_by_role("link", name=incident.reference).click()

    status = page.locator("#crisis-status")
    events = page.locator("#crisis-timeline tr.crisis-event")
    expect(status).to_have_attribute("data-status", "detected")
    expect(events).to_have_count(1)

    # Assess: refused without a severity, then accepted.
    page.locator("#crisis-transitions").get_by_role("link", name="Assess…").click()
    submit = page.locator("#transition-form").get_by_role("button", name="Assess")
    submit.click()
    expect(page.locator(".errornote")).to_be_visible()
    expect(page.locator(".field-severity .errorlist")).to_have_text("This field is required.")
    page.get_by_role("radio", name="High").check()
    submit.click()
    expect(status).to_have_attribute("data-status", "assessed")
    expect(page.locator(".messagelist .success")).to_contain_text(f"{incident.reference}")
    expect(page.locator(".messagelist .success")).to_contain_text("Assess done.")

    page.locator("#crisis-transitions").get_by_role("button", name="Respond").click()
    expect(status).to_have_attribute("data-status", "responding")

    run_transition(page, "Resolve", **{"Resolution summary": "Apology posted, refunds offered."})
    expect(status).to_have_attribute("data-status", "resolved")
    expect(events).to_have_count(4)
    labels = {"incident.assessed": "Assess", "incident.response_started": "Respond",
              "incident.resolved": "Resolve"}  # fmt: skip
    for action, label in labels.items():
        row = page.locator(f'#crisis-timeline tr.crisis-event[data-action="{action}"]')
        expect(row.locator("td").nth(2)).to_have_text(manager.username)  # the actor column
        expect(row.locator("td").nth(3)).to_have_text(label)  # the action's label

    run_transition(
        page,
        "Review",
        **{
            "Summary": "Recall rumour contained.",
            "Root cause": "An old recall notice resurfaced.",
            "What went well": "First answer within the hour.",
            "What went wrong": "Support was not briefed.",
            "Lessons learned": "Brief support first.",
        },
    )
    expect(status).to_have_attribute("data-status", "reviewed")
    expect(events).to_have_count(5)
    expect(page.locator("#crisis-chain")).to_contain_text("chain valid (5 events)")

    logged = Event.objects.filter(stream=incident.stream).order_by("sequence")
    assert [(e.action, e.actor) for e in logged] == [
        ("incident.created", manager),
        ("incident.assessed", manager),
        ("incident.response_started", manager),
        ("incident.resolved", manager),
        ("incident.reviewed", manager),
    ]
    incident.refresh_from_db()
    assert (incident.status, incident.severity) == ("reviewed", "high")


def test_responder_is_refused_at_the_login_form(page, responder):
    log_in(page, with_password(responder), succeeds=False)

    expect(page).to_have_url(re.compile(r"/admin/login/"))
    expect(page.locator(".errornote")).to_contain_text(
        "Please enter the correct username and password for a staff account"
    )
    expect(page.get_by_label("Password")).to_be_visible()


def test_incident_page_works_on_a_phone(new_page, manager, make_incident, tmp_path):
    incident = make_incident("assessed", actor=manager)
    page = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    log_in(page, with_password(manager))

    page.goto(change_url(incident))

    transitions = page.locator("#crisis-transitions")
    expect(transitions).to_be_visible()
    for name in ("respond", "dismiss"):
        expect(transitions.locator(f'[data-transition="{name}"]')).to_be_visible()
    expect(page.locator(".crisis-diagram svg")).to_be_visible()
    expect(page.locator(".crisis-diagram #state-assessed rect")).to_have_css("fill", HIGHLIGHT)
    expect(page.locator(".crisis-diagram #state-detected rect")).not_to_have_css("fill", HIGHLIGHT)
    # Nothing forces the phone to scroll sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=tmp_path / "incident-on-phone.png")  # the first screen
    page.screenshot(path=tmp_path / "incident-on-phone-full.png", full_page=True)


def test_refused_transition_shows_the_api_message(page, manager, make_incident):
    incident = make_incident(actor=manager)
    log_in(page, with_password(manager))

    page.goto(transition_url(incident, "resolve"))

    expect(page).to_have_url(re.compile(re.escape(change_url(incident)) + "$"))
    expect(page.locator(".messagelist .error")).to_have_text(
        "Transition 'resolve' is not allowed from 'detected'; allowed: assess, dismiss."
    )
    expect(page.locator("#crisis-status")).to_have_attribute("data-status", "detected")
