"""A whole crisis on a frozen clock, with signals, communications and actions (made with the
ORM: their services belong to other areas), for the review's metrics, the search and the
report."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine

from incidents import services
from incidents.actions.models import Action
from incidents.communications.models import Communication
from incidents.models import Incident
from incidents.monitoring.services import signals_ingest

T0 = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)  # detected
MINUTE, HOUR = timedelta(minutes=1), timedelta(hours=1)
REVIEW = {
    "summary": "Backlash over a rude delivery driver.",
    "root_cause": "The subcontractor had no code of conduct.",
    "what_went_well": "We apologized publicly within the hour.",
    "what_went_wrong": "Support answered with a template for a day.",
    "lessons_learned": "Présenter des excuses d'abord, puis expliquer les mesures.",
    "follow_up_actions": ["Code of conduct in every subcontract"],
}


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def communication(incident, actor, *, published_at=None, withdrawn_at=None, **fields):
    """A communication row as the communications services would leave it."""
    status = "withdrawn" if withdrawn_at else "published" if published_at else "draft"
    return Communication.objects.create(
        incident=incident,
        channel=fields.pop("channel", "x"),
        audience=fields.pop("audience", "public"),
        language=fields.pop("language", "en"),
        body=fields.pop("body", "We are sorry; we are looking into it."),
        status=status,
        created_by=actor,
        published_by=actor if published_at else None,
        published_at=published_at,
        withdrawn_at=withdrawn_at,
        **fields,
    )


def action(incident, actor, kind="fix", status="open", **fields):
    """An action row as the actions services would leave it."""
    return Action.objects.create(
        incident=incident,
        kind=kind,
        title=fields.pop("title", f"A {kind}"),
        status=status,
        created_by=actor,
        **fields,
    )


@pytest.fixture
def crisis(clock, make_user, manager):
    """crisis(review=True, resolve_after=80 * HOUR) -> an incident run from detection (T0) to
    its review: assessed high after 20 minutes (response due at T0 + 4 h 20, resolution at
    T0 + 72 h 20), responded after 50, first published after 90, resolved `resolve_after` T0
    (80 hours: late), reviewed 2 hours later."""
    responder = make_user("responder", username="rita")

    def run(*, review: bool = True, resolve_after: timedelta = 80 * HOUR, **fields) -> Incident:
        clock.move_to(T0)
        fields.setdefault("title", "Viral video of a rude delivery driver")
        incident = services.incident_create(actor=responder, **fields)
        signals_ingest(
            actor=make_user("monitor"),
            signals=[
                {"platform": "x", "content": f"post {i}", "reach": reach, "incident": incident,
                 "observed_at": T0 - i * MINUTE, "author": f"@a{i}"}
                for i, reach in enumerate((100, 200, 300))
            ],
        )  # fmt: skip
        clock.move_to(T0 + 20 * MINUTE)
        services.incident_assess(incident_id=incident.pk, actor=responder, severity="high")
        clock.move_to(T0 + 50 * MINUTE)
        services.incident_respond(incident_id=incident.pk, actor=responder)
        first = T0 + 90 * MINUTE
        clock.move_to(first)
        communication(incident, responder, published_at=first)
        communication(incident, responder, published_at=first + HOUR, withdrawn_at=first + 2 * HOUR)
        communication(incident, responder)  # a draft: not published
        Incident.objects.filter(pk=incident.pk).update(first_public_response_at=first)
        action(incident, responder, "fix", "done")
        action(incident, responder, "communication", "open")
        action(incident, responder, "internal", "cancelled")
        money = {"kind": "compensation"}
        action(incident, responder, **money, status="done", amount=Decimal("150.50"),
               currency="EUR", beneficiaries=3)  # fmt: skip
        action(incident, responder, **money, amount=Decimal("49.50"), currency="EUR")
        action(incident, responder, **money, status="cancelled", amount=Decimal("20"),
               currency="GBP")  # fmt: skip
        action(incident, responder, **money, status="done", amount=Decimal("10.1"),
               currency="USD")  # fmt: skip
        clock.move_to(T0 + resolve_after)
        services.incident_resolve(
            incident_id=incident.pk, actor=responder, resolution_summary="Apology and refund."
        )
        if review:
            clock.move_to(T0 + resolve_after + 2 * HOUR)
            services.incident_review(incident_id=incident.pk, actor=manager, **REVIEW)
        return Incident.objects.get(pk=incident.pk)

    return run


@pytest.fixture
def make_review(db, make_user, manager):
    """make_review(severity="high", category="other", confidential=False, participants=(),
    **review fields) -> an incident run through the services to `reviewed`."""
    creator = make_user("responder")

    def make(*, severity="high", category="other", confidential=False, participants=(),
             title="Viral post", **fields):  # fmt: skip
        incident = services.incident_create(
            actor=creator, title=title, category=category, is_confidential=confidential,
            participants=participants,
        )  # fmt: skip
        services.incident_assess(incident_id=incident.pk, actor=creator, severity=severity)
        services.incident_respond(incident_id=incident.pk, actor=creator)
        services.incident_resolve(
            incident_id=incident.pk, actor=creator, resolution_summary="Done."
        )
        review = {**REVIEW, **fields}
        services.incident_review(incident_id=incident.pk, actor=manager, **review)
        return Incident.objects.get(pk=incident.pk)

    return make
