"""Concurrent conflicting transitions: exactly one wins, the others get 409, one event."""

import pytest
from django.urls import reverse

from crisis_api.auth.tokens import api_token_issue
from crisis_api.models import Event
from tests.concurrency import POSTGRES_ONLY, race

pytestmark = POSTGRES_ONLY
RACERS = 8


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_same_transition_raced_by_many(make_incident, responder):
    incident = make_incident("responding", actor=responder)
    _, secret = api_token_issue(user=responder)
    url = reverse("incident-resolve", kwargs={"pk": incident.pk})
    payload = {"resolution_summary": "Done."}

    responses = race([(url, payload, secret)] * RACERS)

    codes = sorted(r.status_code for r in responses)
    assert codes == [200] + [409] * (RACERS - 1)
    for response in responses:
        if response.status_code == 409:
            assert response.json()["current_status"] == "resolved"
    assert Event.objects.filter(stream=incident.stream, action="incident.resolved").count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_conflicting_transitions_raced(make_incident, responder):
    incident = make_incident("assessed", actor=responder)
    _, secret = api_token_issue(user=responder)
    respond = reverse("incident-respond", kwargs={"pk": incident.pk})
    dismiss = reverse("incident-dismiss", kwargs={"pk": incident.pk})
    requests = [(respond, {}, secret), (dismiss, {"reason": "dup"}, secret)] * (RACERS // 2)

    responses = race(requests)

    assert sorted(r.status_code for r in responses) == [200] + [409] * (RACERS - 1)
    events = Event.objects.filter(stream=incident.stream).order_by("sequence")
    assert events.count() == 3  # created, assessed, and the one winner
    assert events.last().action in ("incident.response_started", "incident.dismissed")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_creates_get_distinct_references(responder):
    _, secret = api_token_issue(user=responder)
    url = reverse("incident-list")

    responses = race([(url, {"title": f"wave {i}"}, secret) for i in range(RACERS)])

    assert [r.status_code for r in responses] == [201] * RACERS
    assert len({r.json()["reference"] for r in responses}) == RACERS
