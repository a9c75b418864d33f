"""Two batches at the same moment: a signal is stored once, a new group key opens one incident."""

import pytest

from crisis_api.auth.tokens import api_token_issue
from incidents.models import Incident
from incidents.monitoring.models import Signal, SignalTally
from tests.concurrency import POSTGRES_ONLY, race
from tests.monitoring.test_ingestion import CAMPAIGN, URL, signal

pytestmark = POSTGRES_ONLY
RACERS = 6


def _race(secret, batches):
    return race([(URL, {"signals": batch}, secret) for batch in batches])


@pytest.fixture
def secret(make_user):
    return api_token_issue(user=make_user("monitor"))[1]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_same_signal_in_concurrent_batches_is_stored_once(secret):
    batches = [
        [signal(f"texte différent {i}", external_id="same", author=f"@a{i}")] for i in range(RACERS)
    ]
    responses = _race(secret, batches)
    assert [r.status_code for r in responses] == [200] * RACERS
    assert sorted(r.json()["created"] for r in responses) == [0] * (RACERS - 1) + [1]
    assert Signal.objects.count() == 1
    stored = Signal.objects.get()
    assert {r.json()["results"][0]["signal"] for r in responses} == {str(stored.pk)}
    assert Incident.objects.count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_new_group_key_in_concurrent_batches_opens_one_incident(secret):
    batches = [
        [signal(f"post {i}", external_id=f"k{i}", group_key="alert-77")] for i in range(RACERS)
    ]
    responses = _race(secret, batches)
    assert [r.status_code for r in responses] == [200] * RACERS
    assert Incident.objects.count() == 1
    assert Signal.objects.count() == RACERS
    assert sum(r.json()["incidents_opened"] for r in responses) == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_copies_of_a_new_text_in_concurrent_batches_open_one_incident(secret):
    batches = [[signal(CAMPAIGN, external_id=f"c{i}", author=f"@u{i}")] for i in range(RACERS)]
    responses = _race(secret, batches)
    assert [r.status_code for r in responses] == [200] * RACERS
    assert Incident.objects.count() == 1
    assert Signal.objects.values("cluster_id").distinct().count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_overlapping_batches_store_each_signal_once(secret):
    """Batches sent at once that share some posts (a tool resending): each post stored once."""
    posts = [signal(f"post {i}", external_id=f"p{i}", author=f"@a{i}") for i in range(40)]
    batches = [posts[0:20] + posts[30:35], posts[10:30] + posts[0:5], posts[20:40] + posts[5:12]]
    responses = _race(secret, batches)
    assert [r.status_code for r in responses] == [200] * 3, [r.content[:300] for r in responses]
    assert Signal.objects.count() == 40
    assert sum(r.json()["created"] for r in responses) == 40
    incidents = Signal.objects.values_list("incident", flat=True).distinct()
    counted = sum(
        SignalTally.objects.filter(incident__in=incidents).values_list("signals", flat=True)
    )
    assert counted == 40  # the tallies the summary reads saw every signal once
