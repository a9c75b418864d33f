"""`seed_demo` gives the demo incidents actions: a fix done, compensations in EUR, one overdue."""

from decimal import Decimal

import pytest
from django.utils import timezone

from incidents.actions.models import Action
from incidents.actions.selectors import actions_summary
from incidents.models import Incident
from tests.incidents.test_seed_demo import fast_password_hasher, seed  # noqa: F401

pytestmark = pytest.mark.django_db


def test_the_demo_has_actions_and_a_rerun_adds_none():
    seed()
    count = Action.objects.count()
    seed()

    assert Action.objects.count() == count
    assert Action.objects.filter(kind="fix", status="done").exists()
    assert Action.objects.filter(kind="compensation", currency="EUR", status="open").exists()
    overdue = [a for a in Action.objects.all() if a.is_overdue()]
    assert len(overdue) == 1
    reviewed = Incident.objects.get(title="Defamatory blog post accusing our CEO of fraud")
    follow_up = Action.objects.get(incident=reviewed, from_review=True)  # the review's follow-up
    assert (follow_up.title, follow_up.kind) == ("Publish a finance fact sheet", "follow_up")
    video = Incident.objects.get(title="Vidéo virale d'un livreur impoli")
    summary = actions_summary(incident=video, now=timezone.now())
    assert (summary.open, summary.done, summary.overdue) == (2, 1, 1)
    assert [(c.currency, c.total, c.count) for c in summary.compensation] == [
        ("EUR", Decimal("50.00"), 1)
    ]
