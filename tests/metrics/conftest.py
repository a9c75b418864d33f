"""A known crisis history for the metrics: ten incidents whose figures are worked out by hand.

The clock is frozen at NOW. Every lifecycle time goes through the real services (backdated
with `at`); first public responses, communications and compensations are rows written with
the ORM (their areas' services are built elsewhere).
"""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from incidents import services
from incidents.actions.models import Action
from incidents.communications.models import Communication
from incidents.models import Incident
from incidents.monitoring.services import signals_ingest

NOW = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)  # a Friday
S = timedelta(seconds=1)
H = timedelta(hours=1)
D = timedelta(days=1)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


class History:
    """Builds incidents with lifecycle times given in seconds after detection."""

    def __init__(self, actor):
        self.actor = actor

    def incident(self, detected_ago, *, title="Incident", steps=(), **fields):
        detected = NOW - detected_ago
        incident = services.incident_create(
            actor=self.actor, title=title, detected_at=detected, **fields
        )
        for name, after, extra in steps:
            service = getattr(services, f"incident_{name}")
            service(incident_id=incident.pk, actor=self.actor, at=detected + after, **extra)
        return Incident.objects.get(pk=incident.pk)

    def public_response(self, incident, after):
        Incident.objects.filter(pk=incident.pk).update(
            first_public_response_at=incident.detected_at + after
        )

    def communication(self, incident, status, published=True):
        return Communication.objects.create(
            incident=incident, channel="x", audience="public", language="fr",
            body="Nous sommes désolés ; nous revenons vers vous avant 18 h.", status=status,
            created_by=self.actor, published_at=timezone.now() if published else None,
        )  # fmt: skip

    def compensation(self, incident, amount, currency, status="open", beneficiaries=None):
        return Action.objects.create(
            incident=incident, kind="compensation", title="Refund", amount=Decimal(amount),
            currency=currency, beneficiaries=beneficiaries, status=status,
            created_by=self.actor,
        )  # fmt: skip


def assess(severity, after, scope="spreading"):
    return ("assess", after, {"severity": severity, "scope": scope})


def respond(after):
    return ("respond", after, {})


def resolve(after):
    return ("resolve", after, {"resolution_summary": "Apology and refunds."})


def dismiss(after):
    return ("dismiss", after, {"reason": "False alarm."})


@pytest.fixture
def history(frozen, make_user):
    return History(make_user("responder"))


@pytest.fixture
def known(history, make_user):
    """Ten visible incidents in the last 90 days (A…J), one confidential (K), one older (L).

    Seconds from detection, by severity (the expected figures are in test_metrics_api.py):
      assess:          A 60, B 300, C 900 (high); D 120, E 600, F 3600 (low); I 1800 (medium);
                       J 600 (critical)
      first response:  A 600, B 1200, C 20000 (missed: due 4 h after assessment); D 3600,
                       E 7200 (reopened later: does not move)
      public response: A 1800, B 900
      resolve:         A 7200, B 18000; D 86400, E 259200 (reopened, resolved again);
                       F dismissed (not counted)
    G is only detected; H dismissed before assessment; I on track; J's response breached.
    """
    h = history
    people = {}
    people["A"] = h.incident(
        20 * D,
        category="social_media_backlash",
        steps=[assess("high", 60 * S, "coordinated"), respond(600 * S), resolve(7200 * S)],
    )
    people["B"] = h.incident(
        19 * D, steps=[assess("high", 300 * S), respond(1200 * S), resolve(18000 * S)]
    )
    people["C"] = h.incident(10 * D, steps=[assess("high", 900 * S), respond(20000 * S)])
    people["D"] = h.incident(
        30 * D, steps=[assess("low", 120 * S), respond(3600 * S), resolve(86400 * S)]
    )
    people["E"] = h.incident(
        25 * D,
        steps=[
            assess("low", 600 * S),
            respond(7200 * S),
            resolve(D),
            ("reopen", 2 * D, {"reason": "It flared up again."}),
            resolve(3 * D),
        ],
    )
    people["F"] = h.incident(5 * D, steps=[assess("low", 3600 * S), dismiss(7200 * S)])
    people["G"] = h.incident(2 * D)
    people["H"] = h.incident(3 * D, steps=[dismiss(H)])
    people["I"] = h.incident(90 * 60 * S, steps=[assess("medium", 1800 * S)])
    people["J"] = h.incident(3 * H + 600 * S, steps=[assess("critical", 600 * S)])
    services.incident_review(
        incident_id=people["B"].pk, actor=make_user("manager"), summary="s", root_cause="r",
        what_went_well="w", what_went_wrong="x", lessons_learned="l", follow_up_actions=[],
    )  # fmt: skip
    h.public_response(people["A"], 1800 * S)
    h.public_response(people["B"], 900 * S)
    # Confidential, and older than 90 days: neither counts for a viewer by default.
    people["K"] = h.incident(
        4 * D,
        is_confidential=True,
        steps=[assess("critical", 5 * S), respond(10 * S), resolve(20 * S)],
    )
    people["L"] = h.incident(100 * D, steps=[assess("low", 5 * S)])
    for key in ("A", "B", "K", "L"):
        h.communication(people[key], "published")
    h.communication(people["A"], "withdrawn")  # published, then retracted
    h.communication(people["A"], "draft", published=False)
    h.compensation(people["A"], "100.50", "EUR")
    h.compensation(people["A"], "200.25", "EUR", status="done", beneficiaries=3)
    h.compensation(people["A"], "999.00", "EUR", status="cancelled")
    h.compensation(people["B"], "50.00", "GBP")
    h.compensation(people["K"], "1000.00", "EUR")
    Action.objects.create(incident=people["A"], kind="fix", title="Fix", created_by=h.actor)
    feeder = make_user("monitor")
    for key, reach in (("A", 1000), ("A", 500), ("K", 7), ("L", 9)):
        signals_ingest(actor=feeder, signals=[{
            "platform": "x", "content": f"post about {key} {reach}", "reach": reach,
            "observed_at": NOW - H, "incident": people[key]}])  # fmt: skip
    return people
