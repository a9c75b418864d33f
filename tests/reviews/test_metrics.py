"""The metrics snapshot the review keeps: exact numbers on a crisis run with a frozen clock."""

from datetime import timedelta

import pytest
from django.urls import reverse

from crisis_api.models import Event
from incidents import services
from incidents.models import IncidentReview
from incidents.reviews.metrics import KEYS, review_metrics
from tests.reviews.conftest import HOUR, REVIEW

EXPECTED = {
    "seconds_to_assessment": 20 * 60,
    "seconds_to_first_response": 50 * 60,
    "seconds_to_first_public_response": 90 * 60,
    "seconds_to_resolution": 80 * 3600,
    "response_deadline_met": True,  # 50 minutes, due 4 h 20 after detection
    "resolution_deadline_met": False,  # 80 hours, due 72 h 20 after detection
    "signals_count": 3,
    "signals_reach": 600,
    "communications_published": 2,  # the one withdrawn since included; not the draft
    "communications_withdrawn": 1,
    "actions_done": 3,  # fix, EUR 150.50 and USD 10.10; not the review's follow-up
    "actions_open": 2,  # communication and EUR 49.50
    "compensations": {"EUR": "200.00", "USD": "10.10"},  # the cancelled GBP apart
}


def test_the_review_keeps_the_snapshot(crisis):
    incident = crisis()

    assert incident.review_record.metrics == EXPECTED
    assert set(incident.review_record.metrics) == set(KEYS)  # jsonb keeps its own key order


def test_the_reviewed_event_carries_the_snapshot(crisis):
    incident = crisis()

    event = Event.objects.get(stream=incident.stream, action="incident.reviewed")
    assert event.data["review"] == {**REVIEW, "metrics": EXPECTED}


def test_the_api_shows_the_snapshot(crisis, client_for, viewer):
    incident = crisis()

    response = client_for(viewer).get(reverse("incident-detail", kwargs={"pk": incident.pk}))

    assert response.status_code == 200
    assert response.json()["review"]["metrics"] == EXPECTED


def test_the_review_transition_answers_with_the_snapshot(crisis, client_for, manager):
    incident = crisis(review=False, resolve_after=27 * HOUR)

    response = client_for(manager).post(
        reverse("incident-review", kwargs={"pk": incident.pk}), REVIEW, format="json"
    )

    assert response.status_code == 200, response.json()
    assert response.json()["review"]["metrics"] == {
        **EXPECTED,
        "seconds_to_resolution": 27 * 3600,
        "resolution_deadline_met": True,
    }


def test_a_review_recorded_before_snapshots_shows_null(crisis, client_for, viewer):
    incident = crisis()
    IncidentReview.objects.filter(incident=incident).update(metrics={})

    response = client_for(viewer).get(reverse("incident-detail", kwargs={"pk": incident.pk}))

    assert response.json()["review"]["metrics"] is None


def test_a_dismissed_incident_has_no_response_times(clock, make_incident, manager):
    incident = make_incident(actor=manager)
    clock.shift(timedelta(minutes=30))
    incident = services.incident_dismiss(incident_id=incident.pk, actor=manager, reason="Noise.")

    metrics = review_metrics(incident=incident)

    assert metrics == {
        "seconds_to_assessment": None,
        "seconds_to_first_response": None,
        "seconds_to_first_public_response": None,
        "seconds_to_resolution": 1800,
        "response_deadline_met": None,  # never assessed: no deadline
        "resolution_deadline_met": None,
        "signals_count": 0,
        "signals_reach": 0,
        "communications_published": 0,
        "communications_withdrawn": 0,
        "actions_done": 0,
        "actions_open": 0,
        "compensations": {},
    }


def test_a_dismissal_in_time_meets_the_response_deadline(clock, make_incident, manager):
    incident = make_incident("assessed", actor=manager)
    clock.shift(timedelta(hours=1))
    incident = services.incident_dismiss(incident_id=incident.pk, actor=manager, reason="Noise.")

    metrics = review_metrics(incident=incident)

    assert (metrics["response_deadline_met"], metrics["resolution_deadline_met"]) == (True, True)
    assert metrics["seconds_to_first_response"] is None


@pytest.mark.django_db
def test_the_snapshot_takes_six_queries_whatever_the_sizes(crisis, django_assert_num_queries):
    incident = crisis(review=False)

    with django_assert_num_queries(6):
        review_metrics(incident=incident)
