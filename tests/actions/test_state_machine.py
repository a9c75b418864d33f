"""Every action transition from every status, through the API: allowed ones succeed, the others
are 409; their events go on the incident's stream with the action's move in `changes`."""

import pytest

from crisis_api.models import Event
from incidents.actions.models import Action
from tests.actions.conftest import (
    ACTION_LIFECYCLE,
    ACTION_PATHS,
    ACTION_TRANSITION_INPUT,
    action_url,
)

CASES = [(name, source) for name in ACTION_TRANSITION_INPUT for source in ACTION_PATHS]
EVENTS = {"complete": "action.completed", "cancel": "action.cancelled", "reopen": "action.reopened"}


def _allowed_from(status: str) -> set[str]:
    return {name for name, source in ACTION_LIFECYCLE if source == status}


@pytest.mark.parametrize(("name", "source"), CASES)
def test_transition_from_every_status(name, source, make_incident, make_action, responder,
                                      client_for):  # fmt: skip
    incident = make_incident("responding")
    action = make_action(incident, status=source)
    incident_status = incident.status
    events_before = Event.objects.filter(stream=incident.stream).count()

    response = client_for(responder).post(
        action_url(action, name), ACTION_TRANSITION_INPUT[name], format="json"
    )

    target = ACTION_LIFECYCLE.get((name, source))
    events = list(Event.objects.filter(stream=incident.stream))
    if target:
        assert response.status_code == 200, response.json()
        assert response.json()["status"] == target
        assert response.json()["version"] == action.version + 1
        assert response["ETag"] == f'"{action.version + 1}"'
        assert len(events) == events_before + 1
        event = events[-1]
        assert event.action == EVENTS[name]
        assert event.actor == responder
        assert (event.from_status, event.to_status) == ("", "")  # the incident's stay its own
        assert event.changes["status"] == {"from": source, "to": target}
        assert event.data == {"action_id": str(action.pk), "title": action.title}
        assert event.note == ACTION_TRANSITION_INPUT[name]["reason" if name != "complete"
                                                           else "note"]  # fmt: skip
    else:
        assert response.status_code == 409
        assert response["Content-Type"] == "application/problem+json"
        body = response.json()
        assert body["type"] == "urn:crisis-api:problem:transition-not-allowed"
        assert body["current_status"] == source
        assert set(body["allowed_transitions"]) == _allowed_from(source)
        allowed = ", ".join(body["allowed_transitions"]) or "none"
        assert body["detail"] == (
            f"Transition {name!r} is not allowed from {source!r}; allowed: {allowed}."
        )
        assert len(events) == events_before
    incident.refresh_from_db(fields=["version"])
    assert incident.version == 2 + 1  # created, assessed, responding: untouched by actions
    assert incident_status == "responding"


def test_completed_at_is_kept_and_cleared_by_reopen(make_action, responder, client_for):
    action = make_action()
    client = client_for(responder)

    done = client.post(action_url(action, "complete"), {}, format="json").json()
    reopened = client.post(action_url(action, "reopen"), {}, format="json").json()

    assert done["completed_at"] is not None
    assert done["available_transitions"] == ["reopen"]
    assert reopened["completed_at"] is None
    assert reopened["status"] == "open"
    event = Event.objects.filter(stream=action.stream).last()
    assert event.changes["completed_at"] == {"from": done["completed_at"].replace("Z", "+00:00"),
                                             "to": None}  # fmt: skip


def test_cancel_keeps_its_reason(make_action, responder, client_for):
    action = make_action()

    body = (
        client_for(responder)
        .post(action_url(action, "cancel"), {"reason": "Replaced by a voucher."}, format="json")
        .json()
    )

    assert body["status"] == "cancelled"
    assert body["cancel_reason"] == "Replaced by a voucher."
    assert body["cancelled_at"] is not None


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({}, {"reason": ["This field is required."]}),
        ({"reason": ""}, {"reason": ["This field may not be blank."]}),
        ({"reason": 5}, {"reason": ["Give a string."]}),
        ({"reason": "x" * 5001},
         {"reason": ["Ensure this field has no more than 5000 characters."]}),
        ({"reason": "ok", "status": "cancelled"},
         {"status": ["Unknown field; see the schema for the accepted fields."]}),
    ],
)  # fmt: skip
def test_cancel_needs_a_reason(body, errors, make_action, responder, client_for):
    action = make_action()

    response = client_for(responder).post(action_url(action, "cancel"), body, format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == errors
    assert Action.objects.get(pk=action.pk).status == "open"


def test_transition_with_a_stale_etag_is_412(make_action, responder, client_for):
    action = make_action()

    response = client_for(responder).post(
        action_url(action, "complete"), {}, format="json", HTTP_IF_MATCH='"9"'
    )

    assert response.status_code == 412
    assert response.json()["current_version"] == 1
    assert Action.objects.get(pk=action.pk).status == "open"


def test_transition_with_the_current_etag_runs(make_action, responder, client_for):
    action = make_action()

    response = client_for(responder).post(
        action_url(action, "complete"), {}, format="json", HTTP_IF_MATCH='"1"'
    )

    assert response.status_code == 200
