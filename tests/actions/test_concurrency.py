"""Concurrent action transitions (PostgreSQL): exactly one wins, the others get 409; the
incident's stream stays one chain while actions and the incident move at once."""

import pytest

from crisis_api.auth.tokens import api_token_issue
from crisis_api.events.verification import verify_stream
from crisis_api.models import Event
from tests.actions.conftest import action_url, incident_actions_url
from tests.concurrency import POSTGRES_ONLY, race

pytestmark = POSTGRES_ONLY
RACERS = 8


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_complete_and_cancel_raced(make_action, responder):
    action = make_action(actor=responder)
    _, secret = api_token_issue(user=responder)
    complete = (action_url(action, "complete"), {}, secret)
    cancel = (action_url(action, "cancel"), {"reason": "dup"}, secret)
    requests = [complete, cancel] * (RACERS // 2)

    responses = race(requests)

    assert sorted(r.status_code for r in responses) == [200] + [409] * (RACERS - 1)
    moves = Event.objects.filter(data__action_id=str(action.pk)).exclude(action="action.created")
    assert moves.count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_actions_added_while_the_incident_resolves_keep_one_chain(make_incident, responder):
    incident = make_incident("responding", actor=responder)
    _, secret = api_token_issue(user=responder)
    add = (incident_actions_url(incident), {"kind": "fix", "title": "Fix"}, secret)
    resolve = (f"/api/v1/incidents/{incident.pk}/resolve/", {"resolution_summary": "Done."},
               secret)  # fmt: skip

    responses = race([add] * (RACERS - 1) + [resolve])

    assert sorted(r.status_code for r in responses) == [200] + [201] * (RACERS - 1)
    assert verify_stream(incident.stream).valid
    events = Event.objects.filter(stream=incident.stream)
    sequences = list(events.values_list("sequence", flat=True))
    assert sequences == list(range(1, len(sequences) + 1))
