"""Actions in the admin: the incident page's panel, the action pages, the transitions through
the services (the same events as the API), the add and change forms with the API's rules."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from crisis_api.models import Event
from incidents.actions.models import Action
from tests.actions.conftest import (
    ACTION_LIFECYCLE,
    ACTION_PATHS,
    ACTION_TRANSITION_INPUT,
    action_url,
)
from tests.incidents.test_admin import change_url

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def admin_url(action, name: str | None = None) -> str:
    if name:
        return reverse("admin:actions_action_transition", args=[action.pk, name])
    return reverse("admin:actions_action_change", args=[action.pk])


@pytest.fixture
def manager_client(admin_client_for, manager):
    return admin_client_for(manager)


def test_the_incident_page_lists_its_actions_with_totals_and_an_add_link(
    manager_client, make_incident, make_action, manager, make_user
):
    incident = make_incident("responding", actor=manager)
    alice = make_user("responder", username="alice")
    with time_machine.travel(NOW - timedelta(days=1), tick=False):
        make_action(
            incident,
            title="Restore the tracking page",
            owner=alice,
            due_at=NOW - timedelta(hours=2),
        )
        make_action(
            incident,
            status="done",
            title="Refund fees",
            kind="compensation",
            amount=Decimal("1250.50"),
            currency="EUR",
        )
        make_action(
            incident,
            status="cancelled",
            title="Voucher",
            kind="compensation",
            amount=Decimal("99.00"),
            currency="EUR",
        )

    with time_machine.travel(NOW, tick=False), translation.override("en"):
        page = manager_client.get(change_url(incident)).content.decode()

    panel = page.split('class="crisis-actions-panel"')[1].split('id="crisis-add-action"')[0]
    assert panel.count('class="crisis-action"') == 3
    assert "Restore the tracking page" in panel and "alice" in panel
    assert panel.count('data-value="overdue"') == 1
    assert "<strong>1,250.50 EUR</strong> (1 compensation)" in panel
    assert f'href="/admin/actions/action/add/?incident={incident.pk}"' in page


def test_the_panel_speaks_french(manager_client, make_incident, make_action, manager):
    incident = make_incident("responding", actor=manager)
    make_action(incident, kind="compensation", amount=Decimal("1250.50"), currency="EUR")

    manager_client.cookies["django_language"] = "fr"
    page = manager_client.get(change_url(incident), HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    assert "Ajouter une action" in page
    assert "<strong>1\xa0250,50 EUR</strong> (1 dédommagement)" in page
    assert "<dt>ouvertes</dt><dd>1</dd>" in page


def test_an_incident_without_actions_says_so(manager_client, make_incident, manager):
    page = manager_client.get(change_url(make_incident(actor=manager))).content.decode()

    assert "No actions yet." in page


def test_the_action_list_and_page(manager_client, make_action, make_user):
    action = make_action(
        kind="compensation",
        amount=Decimal("150.00"),
        currency="EUR",
        owner=make_user("responder"),
        due_at=NOW,
    )

    listing = manager_client.get("/admin/actions/action/").content.decode()
    page = manager_client.get(admin_url(action)).content.decode()

    assert action.incident.reference in listing
    assert "150.00 EUR" in listing
    assert 'data-value="overdue"' in listing
    assert 'id="crisis-transitions"' in page
    assert 'data-transition="complete"' in page and 'data-transition="cancel"' in page
    assert 'id="crisis-timeline"' in page
    assert 'data-action="action.created"' in page


def test_the_list_shows_only_visible_incidents_actions(
    admin_client_for, make_incident, make_action, manager, make_user
):
    hidden = make_action(
        make_incident(actor=manager, is_confidential=True), actor=manager, title="Secret settlement"
    )
    staff = make_user("responder")
    staff.is_staff = True
    staff.save()

    response = admin_client_for(staff).get("/admin/actions/action/")
    page = admin_client_for(staff).get(admin_url(hidden))

    assert "Secret settlement" not in response.content.decode()
    assert page.status_code == 302  # the admin's "does not exist" redirect


@pytest.mark.parametrize(
    ("name", "source"),
    [(name, source) for name in ACTION_TRANSITION_INPUT for source in ACTION_PATHS],
)
def test_admin_transitions_write_the_same_events_as_the_api(
    name, source, manager_client, make_incident, make_action, manager, client_for
):
    incident = make_incident("responding", actor=manager)
    via_admin = make_action(incident, status=source, actor=manager)
    via_api = make_action(incident, status=source, actor=manager)

    response = manager_client.post(
        admin_url(via_admin, name), {**ACTION_TRANSITION_INPUT[name], "version": via_admin.version}
    )
    api = client_for(manager).post(
        action_url(via_api, name), ACTION_TRANSITION_INPUT[name], format="json"
    )

    assert response.status_code == 302
    target = ACTION_LIFECYCLE.get((name, source))
    for action in (via_admin, via_api):
        assert Action.objects.get(pk=action.pk).status == (target or source)
    if target is None:
        assert api.status_code == 409
        return
    events = [
        Event.objects.filter(data__action_id=str(action.pk)).last()
        for action in (via_admin, via_api)
    ]
    assert events[0].action == events[1].action
    assert events[0].note == events[1].note
    assert events[0].changes.keys() == events[1].changes.keys()
    assert events[0].actor == manager


def test_complete_runs_from_its_button(manager_client, make_action):
    action = make_action()

    response = manager_client.post(admin_url(action, "complete"), {"version": action.version})

    assert response.status_code == 302
    assert Action.objects.get(pk=action.pk).status == "done"


def test_a_stale_transition_shows_the_412_message(manager_client, make_action, manager):
    action = make_action()

    response = manager_client.post(admin_url(action, "complete"), {"version": 9}, follow=True)

    assert "The resource changed since you read it" in response.content.decode()
    assert Action.objects.get(pk=action.pk).status == "open"


def _form(**fields):
    data = {
        "kind": "fix",
        "title": "Fix it",
        "description": "",
        "owner": "",
        "due_at_0": "",
        "due_at_1": "",
        "amount": "",
        "currency": "",
        "beneficiaries": "",
    }
    return {**data, **fields}


def test_add_an_action_through_the_service(manager_client, make_incident, manager):
    incident = make_incident("responding", actor=manager)

    form_page = manager_client.get(f"/admin/actions/action/add/?incident={incident.pk}")
    response = manager_client.post(
        "/admin/actions/action/add/",
        _form(
            incident=incident.pk,
            kind="compensation",
            title="Refund",
            amount="150.5",
            currency="EUR",
            beneficiaries="3",
        ),
    )

    assert form_page.context["adminform"].form.initial["incident"] == str(incident.pk)
    assert response.status_code == 302
    action = Action.objects.get()
    assert (action.amount, action.currency, action.beneficiaries) == (Decimal("150.50"), "EUR", 3)
    event = Event.objects.filter(stream=incident.stream).last()
    assert (event.action, event.actor) == ("action.created", manager)


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"kind": "compensation"}, {"amount": ['A compensation needs an amount, e.g. "150.00".'],
                                    "currency": ["A compensation needs a currency: an ISO 4217 "
                                                 "code, e.g. EUR."]}),
        ({"amount": "10", "currency": "EUR"},
         {"amount": ["Only a compensation has amount; make the kind compensation, or send null "
                     "to clear it."],
          "currency": ["Only a compensation has currency; make the kind compensation, or send "
                       "null to clear it."]}),
        ({"kind": "compensation", "amount": "0", "currency": "EUR"},
         {"amount": ["Give an amount above 0."]}),
        ({"kind": "compensation", "amount": "1.234", "currency": "EUR"},
         {"amount": ["Ensure that there are no more than 2 decimal places."]}),
        ({"kind": "compensation", "amount": "1", "currency": "XXX"},
         {"currency": ["Select a valid choice. XXX is not one of the available choices."]}),
        ({"due_at_0": "1990-01-01", "due_at_1": "10:00"},
         {"due_at": ["Give a date from 2000-01-01 to ten years from now."]}),
    ],
)  # fmt: skip
def test_the_add_form_keeps_the_apis_rules(fields, errors, manager_client, make_incident, manager):
    incident = make_incident("responding", actor=manager)

    response = manager_client.post(
        "/admin/actions/action/add/", _form(incident=incident.pk, **fields)
    )

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert {name: list(messages) for name, messages in form.errors.items()} == errors
    assert not Action.objects.exists()


def test_the_owner_must_see_a_confidential_incident(
    manager_client, make_incident, manager, make_user
):
    incident = make_incident("responding", actor=manager, is_confidential=True)
    outsider = make_user("responder", username="outsider")

    response = manager_client.post(
        "/admin/actions/action/add/", _form(incident=incident.pk, owner=outsider.pk)
    )

    assert response.context["adminform"].form.errors["owner"] == [
        "outsider cannot see this confidential incident; add them to its participants first, "
        "or choose someone who can see it."
    ]


def test_change_an_action_through_the_service(manager_client, make_action, manager):
    action = make_action(title="Old")

    response = manager_client.post(
        admin_url(action), _form(title="New", expected_version=action.version)
    )

    assert response.status_code == 302
    stored = Action.objects.get(pk=action.pk)
    assert (stored.title, stored.version) == ("New", 2)
    event = Event.objects.filter(data__action_id=str(action.pk)).last()
    assert event.action == "action.updated"
    assert event.changes == {"title": {"from": "Old", "to": "New"}}


def test_a_stale_change_is_refused(manager_client, make_action):
    action = make_action(title="Old")

    response = manager_client.post(
        admin_url(action), _form(title="New", expected_version=7), follow=True
    )

    assert "The resource changed since you read it" in response.content.decode()
    assert Action.objects.get(pk=action.pk).title == "Old"


def test_actions_cannot_be_deleted(manager_client, make_action):
    action = make_action()

    response = manager_client.get(f"/admin/actions/action/{action.pk}/delete/")

    assert response.status_code == 403
