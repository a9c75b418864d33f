"""Racing communication writes (PostgreSQL): one approval wins; racing publications date the
first public response once."""

import pytest

from crisis_api.auth.tokens import api_token_issue
from crisis_api.models import Event
from incidents.models import Incident
from tests.communications.conftest import communication_url
from tests.concurrency import POSTGRES_ONLY, race

pytestmark = POSTGRES_ONLY
RACERS = 6


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_same_approval_raced_by_many(make_communication, manager):
    communication = make_communication()
    _, secret = api_token_issue(user=manager)
    url = f"{communication_url(communication)}approve/"
    responses = race([(url, {}, secret)] * RACERS)
    assert sorted(r.status_code for r in responses) == [200] + [409] * (RACERS - 1)
    assert all(r.json()["current_status"] == "approved" for r in responses if r.status_code == 409)
    assert Event.objects.filter(action="communication.approved").count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_racing_publications_date_the_first_public_response_once(
    make_communication, make_incident, manager
):
    incident = make_incident("responding")
    drafts = [make_communication("approved", incident=incident) for _ in range(RACERS)]
    version = Incident.objects.get(pk=incident.pk).version
    _, secret = api_token_issue(user=manager)
    responses = race([(f"{communication_url(d)}publish/", {}, secret) for d in drafts])
    assert [r.status_code for r in responses] == [200] * RACERS
    published = Event.objects.filter(action="communication.published")
    assert [e.data["first_public_response"] for e in published].count(True) == 1
    incident = Incident.objects.get(pk=incident.pk)
    assert incident.version == version
    first = next(e for e in published if e.data["first_public_response"])
    assert incident.first_public_response_at.isoformat() == first.changes["published_at"]["to"]
