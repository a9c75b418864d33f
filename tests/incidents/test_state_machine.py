"""Every transition from every state, through the API: allowed ones succeed, others are 409."""

import pytest
from django.urls import reverse

from crisis_api.models import Event
from tests.conftest import LIFECYCLE, PATHS, TRANSITION_INPUT, allowed_from

CASES = [(name, source) for name in TRANSITION_INPUT for source in PATHS]


@pytest.mark.parametrize(("name", "source"), CASES)
def test_transition_from_every_state(name, source, make_incident, manager, client_for):
    incident = make_incident(source, actor=manager)
    events_before = Event.objects.filter(stream=incident.stream).count()
    url = reverse(f"incident-{name}", kwargs={"pk": incident.pk})

    response = client_for(manager).post(url, TRANSITION_INPUT[name], format="json")

    target = LIFECYCLE.get((name, source))
    events_after = Event.objects.filter(stream=incident.stream).count()
    if target:
        assert response.status_code == 200, response.json()
        assert response.json()["status"] == target
        assert response.json()["version"] == incident.version + 1
        assert response["ETag"] == f'"{incident.version + 1}"'
        # Its event, then one per follow-up action a review creates.
        follow_ups = len(TRANSITION_INPUT[name].get("follow_up_actions", []))
        assert events_after == events_before + 1 + follow_ups
    else:
        assert response.status_code == 409
        assert response["Content-Type"] == "application/problem+json"
        body = response.json()
        assert body["type"] == "urn:crisis-api:problem:transition-not-allowed"
        assert body["current_status"] == source
        assert set(body["allowed_transitions"]) == allowed_from(source)
        allowed = ", ".join(body["allowed_transitions"]) or "none"
        assert body["detail"] == (
            f"Transition {name!r} is not allowed from {source!r}; allowed: {allowed}."
        )
        assert events_after == events_before


def test_status_cannot_be_assigned(make_incident):
    incident = make_incident()
    with pytest.raises(AttributeError, match="Direct status modification is not allowed"):
        incident.status = "resolved"


def test_lifecycle_timestamps(make_incident, manager):
    incident = make_incident("reviewed", actor=manager)
    assert incident.detected_at <= incident.assessed_at <= incident.response_started_at
    assert incident.first_response_at == incident.response_started_at
    assert incident.response_started_at <= incident.resolved_at <= incident.reviewed_at
    assert incident.resolution == "resolved"


def test_reopen_keeps_first_response_and_clears_resolution(make_incident, manager, client_for):
    incident = make_incident("resolved", actor=manager)
    first = incident.first_response_at
    url = reverse("incident-reopen", kwargs={"pk": incident.pk})

    body = client_for(manager).post(url, {"reason": "Back on X"}, format="json").json()

    assert body["status"] == "responding"
    assert body["resolution"] is None
    assert body["resolution_summary"] == ""
    assert body["resolved_at"] is None
    assert body["first_response_at"] == first.isoformat().replace("+00:00", "Z")
    assert Event.objects.filter(stream=incident.stream).last().note == "Back on X"


def test_dismiss_as_duplicate(make_incident, responder, client_for):
    original = make_incident(actor=responder)
    duplicate = make_incident(actor=responder)
    url = reverse("incident-dismiss", kwargs={"pk": duplicate.pk})

    response = client_for(responder).post(
        url, {"reason": "Same wave", "duplicate_of": str(original.pk)}, format="json"
    )

    assert response.status_code == 200
    body = response.json()
    assert body["resolution"] == "dismissed"
    assert body["resolution_summary"] == "Same wave"
    assert body["duplicate_of"] == str(original.pk)


def test_review_is_stored_and_returned(make_incident, manager, client_for):
    incident = make_incident("resolved", actor=manager)
    url = reverse("incident-review", kwargs={"pk": incident.pk})

    body = client_for(manager).post(url, TRANSITION_INPUT["review"], format="json").json()

    review = body["review"]
    assert review["root_cause"] == "Unannounced policy change."
    assert review["follow_up_actions"] == ["Write the FAQ"]
    assert review["reviewed_by"] == manager.username
    event = Event.objects.filter(stream=incident.stream, action__startswith="incident.").last()
    assert event.action == "incident.reviewed"
    assert event.data["review"]["lessons_learned"] == "Brief support first."


def test_respond_defaults_owner_to_caller(make_incident, responder, client_for):
    incident = make_incident("assessed")
    url = reverse("incident-respond", kwargs={"pk": incident.pk})

    body = client_for(responder).post(url, {}, format="json").json()

    assert body["owner"] == responder.username
    assert body["response_started_at"] is not None


def test_respond_with_named_owner(make_incident, responder, manager, client_for):
    incident = make_incident("assessed")
    url = reverse("incident-respond", kwargs={"pk": incident.pk})

    body = client_for(manager).post(url, {"owner": responder.username}, format="json").json()

    assert body["owner"] == responder.username
