"""Creating, reading and changing actions over the API, with their events and ETags."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine

from crisis_api.models import Event
from incidents.actions.models import Action
from tests.actions.conftest import action_url, incident_actions_url

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def _events(incident, action=None):
    events = Event.objects.filter(stream=incident.stream, action__startswith="action.")
    if action is not None:
        events = events.filter(data__action_id=str(action.pk))
    return list(events)


def test_create_a_compensation(make_incident, responder, make_user, client_for):
    incident = make_incident("responding", owner=responder)
    alice = make_user("responder", username="alice")
    body = {
        "kind": "compensation", "title": "Refund the delivery fees",
        "description": "Every order more than 3 days late.", "owner": "alice",
        "due_at": "2026-12-01T18:00:00+01:00", "amount": "18450.5", "currency": "EUR",
        "beneficiaries": 1230,
    }  # fmt: skip

    response = client_for(responder).post(incident_actions_url(incident), body, format="json")

    assert response.status_code == 201, response.json()
    data = response.json()
    action = Action.objects.get(pk=data["id"])
    assert response["ETag"] == '"1"'
    assert response["Location"] == f"http://testserver/api/v1/actions/{action.pk}/"
    assert data == {
        "id": str(action.pk), "incident": str(incident.pk), "kind": "compensation",
        "title": "Refund the delivery fees", "description": "Every order more than 3 days late.",
        "owner": "alice", "due_at": "2026-12-01T17:00:00Z", "amount": "18450.50",
        "currency": "EUR", "beneficiaries": 1230, "status": "open", "overdue": False,
        "completed_at": None, "cancelled_at": None, "cancel_reason": "", "from_review": False,
        "created_by": responder.username, "created_at": data["created_at"],
        "updated_at": data["created_at"], "version": 1,
        "available_transitions": ["complete", "cancel"],
    }  # fmt: skip
    assert action.owner == alice
    [event] = _events(incident)
    assert event.action == "action.created"
    assert event.actor == responder
    assert (event.from_status, event.to_status) == ("", "")  # the incident's, unchanged
    assert event.data == {"action_id": str(action.pk), "title": "Refund the delivery fees"}
    assert event.changes["status"] == {"from": None, "to": "open"}
    assert event.changes["amount"] == {"from": None, "to": "18450.50"}
    assert event.changes["currency"] == {"from": None, "to": "EUR"}
    assert event.changes["owner"] == {"from": None, "to": "alice"}


def test_create_a_fix_with_the_least_input(make_incident, responder, client_for):
    incident = make_incident("detected")

    response = client_for(responder).post(
        incident_actions_url(incident), {"kind": "fix", "title": "Fix the page"}, format="json"
    )

    assert response.status_code == 201
    data = response.json()
    assert (data["owner"], data["due_at"], data["amount"], data["currency"]) == (
        None, None, None, None,
    )  # fmt: skip
    assert data["beneficiaries"] is None
    assert data["description"] == ""


def test_actions_may_be_added_after_the_review(make_incident, manager, client_for):
    incident = make_incident("reviewed", actor=manager)

    response = client_for(manager).post(
        incident_actions_url(incident),
        {"kind": "internal", "title": "Train support on the new FAQ"},
        format="json",
    )

    assert response.status_code == 201


def test_read_an_action_with_its_etag(make_action, viewer, client_for):
    action = make_action(kind="legal", title="Send a formal notice")

    response = client_for(viewer).get(action_url(action))

    assert response.status_code == 200
    assert response["ETag"] == '"1"'
    assert response.json()["kind"] == "legal"
    assert response.json()["available_transitions"] == []  # a viewer runs none


def test_list_an_incidents_actions_oldest_first(make_incident, make_action, viewer, client_for):
    incident = make_incident("responding")
    first = make_action(incident, title="First")
    second = make_action(incident, status="done", title="Second")
    make_action(title="Another incident's")

    body = client_for(viewer).get(incident_actions_url(incident)).json()

    assert [a["id"] for a in body["results"]] == [str(first.pk), str(second.pk)]
    assert body["next"] is None


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status": "done"}, ["done"]),
        ({"status": ["open", "cancelled"]}, ["open", "late", "cancelled"]),
        ({"kind": "compensation"}, ["late"]),
        ({"overdue": "true"}, ["late"]),
        ({"overdue": "false"}, ["open", "done", "cancelled"]),
        ({"ordering": "-created_at"}, ["cancelled", "late", "done", "open"]),
    ],
)
def test_list_filters(query, expected, make_incident, make_action, viewer, client_for):
    incident = make_incident("responding")
    made = [
        {"title": "open", "due_at": NOW + timedelta(days=1)},
        {"status": "done", "title": "done", "due_at": NOW - timedelta(days=1)},
        {"title": "late", "due_at": NOW - timedelta(hours=1), "kind": "compensation",
         "amount": Decimal("10.00"), "currency": "EUR"},
        {"status": "cancelled", "title": "cancelled"},
    ]  # fmt: skip
    with time_machine.travel(NOW - timedelta(days=2), tick=False) as clock:
        for fields in made:
            make_action(incident, **fields)
            clock.shift(timedelta(minutes=1))
    client = client_for(viewer)

    with time_machine.travel(NOW, tick=False):
        response = client.get(incident_actions_url(incident), query)

    assert response.status_code == 200, response.json()
    assert [a["title"] for a in response.json()["results"]] == expected


@pytest.mark.parametrize(
    ("query", "field"),
    [({"status": "finished"}, "status"), ({"kind": "x"}, "kind"), ({"overdue": "yes"}, "overdue"),
     ({"ordering": "due_at"}, "ordering"), ({"cursor": "bad"}, "cursor")],
)  # fmt: skip
def test_list_refuses_bad_parameters(query, field, make_action, viewer, client_for):
    action = make_action()

    response = client_for(viewer).get(incident_actions_url(action.incident), query)

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert field in response.json()["errors"]


def test_patch_changes_fields_and_records_them(make_action, responder, client_for):
    action = make_action(title="Old title", description="Old")
    client = client_for(responder)

    response = client.patch(
        action_url(action),
        {"title": "New title", "description": "Old", "due_at": "2026-12-01T10:00:00Z"},
        format="json",
        HTTP_IF_MATCH='"1"',
    )

    assert response.status_code == 200, response.json()
    assert response["ETag"] == '"2"'
    assert response.json()["title"] == "New title"
    event = _events(action.incident, action)[-1]
    assert event.action == "action.updated"
    assert event.actor == responder
    assert event.changes == {
        "title": {"from": "Old title", "to": "New title"},
        "due_at": {"from": None, "to": "2026-12-01T10:00:00+00:00"},
    }
    assert event.data == {"action_id": str(action.pk), "title": "New title"}


def test_patch_without_a_change_keeps_the_version_and_writes_no_event(
    make_action, responder, client_for
):
    action = make_action(title="Same")

    response = client_for(responder).patch(action_url(action), {"title": "Same"}, format="json")

    assert response.status_code == 200
    assert response.json()["version"] == 1
    assert len(_events(action.incident, action)) == 1  # its creation only


def test_patch_with_a_stale_etag_is_412(make_action, responder, client_for):
    action = make_action()

    response = client_for(responder).patch(
        action_url(action), {"title": "New"}, format="json", HTTP_IF_MATCH='"7"'
    )

    assert response.status_code == 412
    assert response.json()["current_version"] == 1
    assert response.json()["detail"] == (
        "The resource changed since you read it (current version 1); GET it again and retry "
        "with the new ETag."
    )
    assert Action.objects.get(pk=action.pk).title == "Restore the order-tracking page"


@pytest.mark.parametrize(
    ("field", "hint"),
    [
        ("status", "Read-only: the status changes only through a transition "
                   "(POST /api/v1/actions/{id}/complete/, cancel/ or reopen/)."),
        ("completed_at", "Read-only: set by the service, not by PATCH."),
        ("from_review", "Read-only: set by the service, not by PATCH."),
        ("colour", "Unknown field; see the schema for the accepted fields."),
    ],
)  # fmt: skip
def test_patch_refuses_the_status_and_read_only_fields(field, hint, make_action, responder,
                                                       client_for):  # fmt: skip
    action = make_action()

    response = client_for(responder).patch(action_url(action), {field: "done"}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == {field: [hint]}


def test_patch_works_in_any_status(make_action, responder, client_for):
    action = make_action(status="done")

    response = client_for(responder).patch(
        action_url(action), {"description": "Paid on 26 November."}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["status"] == "done"


def test_unknown_action_is_404(responder, client_for):
    response = client_for(responder).get("/api/v1/actions/9b2f0c1e-6a57-4a39-9a51-1f1c8d3c2a10/")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["detail"] == "No such resource, or you are not allowed to see it."


def test_unknown_incident_is_404(responder, client_for):
    url = "/api/v1/incidents/9b2f0c1e-6a57-4a39-9a51-1f1c8d3c2a10/actions/"
    client = client_for(responder)

    for response in (client.get(url), client.post(url, {"kind": "fix", "title": "x"},
                                                  format="json")):  # fmt: skip
        assert response.status_code == 404
        assert response.json()["detail"] == "No such resource, or you are not allowed to see it."


def test_no_credentials_is_401(make_action, client):
    action = make_action()

    for response in (client.get(action_url(action)),
                     client.get(incident_actions_url(action.incident))):  # fmt: skip
        assert response.status_code == 401
        assert response["Content-Type"] == "application/problem+json"
