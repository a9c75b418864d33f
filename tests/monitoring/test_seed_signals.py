"""seed_demo's signals: the three suggestions show in the demo, and a rerun stores nothing twice."""

from io import StringIO

import pytest
from django.core.management import call_command

from incidents.management.commands.seed_demo import LEARNING_STORY
from incidents.models import Incident
from incidents.monitoring.models import Signal
from incidents.monitoring.selectors import assessment_suggestion

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_the_demo_shows_a_campaign_a_spreading_story_and_an_isolated_complaint():
    call_command("seed_demo", stdout=StringIO())
    fed = Incident.objects.filter(signals__isnull=False).exclude(title=LEARNING_STORY["title"])
    fed = fed.distinct()  # the story reviewed for the lessons search has signals of its own
    scopes = sorted(assessment_suggestion(incident=incident).scope for incident in fed)
    assert scopes == ["coordinated", "isolated", "spreading"]
    assert {i.created_by.username for i in fed} == {"monitor"}


def test_a_rerun_stores_no_signal_twice():
    call_command("seed_demo", stdout=StringIO())
    signals, incidents = Signal.objects.count(), Incident.objects.count()
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert (Signal.objects.count(), Incident.objects.count()) == (signals, incidents)
    fed = signals - len(LEARNING_STORY["signals"])  # the story's are left alone with it
    assert f"Signals: 0 stored, {fed} already there; 0 incidents opened" in out.getvalue()
