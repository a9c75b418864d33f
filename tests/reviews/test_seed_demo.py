"""seed_demo tells one whole crisis to its review, for the lessons search and the report."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from incidents.management.commands.seed_demo import LEARNING_STORY
from incidents.models import Incident, Status


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.mark.django_db
def test_the_demo_has_a_whole_crisis_to_search_and_report(client_for, make_user):
    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo", stdout=StringIO())  # a rerun leaves it alone

    (story,) = Incident.objects.filter(title=LEARNING_STORY["title"])
    assert story.status == Status.REVIEWED
    metrics = story.review_record.metrics
    assert metrics["signals_count"] == 4 and metrics["response_deadline_met"] is True
    assert metrics["seconds_to_assessment"] == 30 * 60
    client = client_for(make_user("viewer"))
    found = client.get(reverse("review-search"), {"q": "excuse"}).json()["results"]
    assert story.reference in [result["incident"]["reference"] for result in found]
    report = client.get(reverse("incident-report", kwargs={"id": story.pk})).content.decode()
    assert "- **Signals:** 4" in report and "### Lessons learned" in report
