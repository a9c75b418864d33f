"""Writes: every operation on incidents, each one transaction with its event.

Services lock the incident row, check the expected version and the state machine under the
lock, apply the change and append the event, so the change and its audit record commit or roll
back together.
"""

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from crisis_api.concurrency import check_version
from crisis_api.events.services import event_append
from crisis_api.models import Event
from incidents.models import Category, Incident, IncidentReview, ReferenceCounter, response_deadline
from incidents.state import TRANSITION_ACTIONS, TransitionNotAllowed, can_run

# Fields whose changes the event log records ("status" is recorded as from/to status).
TRACKED_FIELDS = (
    "title", "summary", "category", "channels", "severity", "scope", "estimated_reach",
    "affected_count", "impact", "rationale", "owner", "is_confidential", "resolution",
    "resolution_summary", "duplicate_of", "detected_at", "assessed_at", "response_due_at",
    "response_started_at", "first_response_at", "resolved_at", "reviewed_at",
)  # fmt: skip


def _snapshot(incident: Incident, *, participants: bool) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in TRACKED_FIELDS:
        value = getattr(incident, name)
        if name == "owner":
            value = value.username if value else None
        elif name == "duplicate_of":
            value = str(incident.duplicate_of_id) if incident.duplicate_of_id else None
        values[name] = value
    if participants:
        values["participants"] = sorted(u.username for u in incident.participants.all())
    return values


def _diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        name: {"from": before.get(name), "to": value}
        for name, value in after.items()
        if before.get(name) != value
    }


def _locked(incident_id) -> Incident:
    """Re-read the incident under a row lock (and refresh a protected status safely)."""
    return Incident.objects.select_for_update().get(pk=incident_id)


def _next_reference(year: int) -> str:
    ReferenceCounter.objects.bulk_create([ReferenceCounter(year=year)], ignore_conflicts=True)
    counter = ReferenceCounter.objects.select_for_update().get(year=year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return f"{settings.INCIDENT_REFERENCE_PREFIX}-{year}-{counter.last_number:04d}"


@transaction.atomic
def incident_create(
    *,
    actor,
    title: str,
    summary: str = "",
    category: str = Category.OTHER,
    channels: Iterable[str] = (),
    is_confidential: bool = False,
    owner=None,
    participants: Iterable = (),
    detected_at: datetime | None = None,
) -> Incident:
    """Record a new incident in status `detected`."""
    now = timezone.now()
    incident = Incident.objects.create(
        reference=_next_reference(now.year),
        title=title,
        summary=summary,
        category=category,
        channels=list(channels),
        is_confidential=is_confidential,
        owner=owner,
        created_by=actor,
        detected_at=detected_at or now,
        created_at=now,
        updated_at=now,
    )
    incident.participants.set(participants)
    created = {
        k: v
        for k, v in _snapshot(incident, participants=True).items()
        if v not in ("", [], None, False)
    }
    event_append(
        stream=incident.stream,
        action="incident.created",
        actor=actor,
        to_status=incident.status,
        changes=_diff({}, created),
    )
    return incident


@transaction.atomic
def incident_update(
    *, incident_id, actor, expected_version: int | None = None, **fields: Any
) -> Incident:
    """Change the writable fields; no change, no event and no new version."""
    incident = _locked(incident_id)
    check_version(expected_version, incident.version)
    before = _snapshot(incident, participants=True)
    participants = fields.pop("participants", None)
    for name, value in fields.items():
        setattr(incident, name, value)
    if "severity" in fields and incident.assessed_at and incident.severity:
        incident.response_due_at = response_deadline(incident.severity, incident.assessed_at)
    if participants is not None:
        incident.participants.set(participants)
    changes = _diff(before, _snapshot(incident, participants=True))
    if not changes:
        return incident
    incident.version += 1
    incident.updated_at = timezone.now()
    incident.save()
    event_append(stream=incident.stream, action="incident.updated", actor=actor, changes=changes)
    return incident


def _transition(
    *,
    incident_id,
    name: str,
    actor,
    expected_version: int | None,
    apply: Callable[[Incident, datetime], None],
    note: str = "",
    data: dict[str, Any] | None = None,
) -> Incident:
    """Lock, re-check version and state, run the transition, save and log: all or nothing."""
    with transaction.atomic():
        incident = _locked(incident_id)
        check_version(expected_version, incident.version)
        if not can_run(incident, name):
            raise TransitionNotAllowed(name, incident)
        before = _snapshot(incident, participants=False)
        from_status = incident.status
        now = timezone.now()
        apply(incident, now)
        incident.version += 1
        incident.updated_at = now
        incident.save()
        event_append(
            stream=incident.stream,
            action=TRANSITION_ACTIONS[name],
            actor=actor,
            from_status=from_status,
            to_status=incident.status,
            changes=_diff(before, _snapshot(incident, participants=False)),
            note=note,
            data=data,
        )
    return incident


def incident_assess(
    *,
    incident_id,
    actor,
    severity: str,
    scope: str | None = None,
    estimated_reach: int | None = None,
    affected_count: int | None = None,
    impact: Iterable[str] = (),
    rationale: str = "",
    expected_version: int | None = None,
) -> Incident:
    """Size the crisis and start the response clock."""
    return _transition(
        incident_id=incident_id,
        name="assess",
        actor=actor,
        expected_version=expected_version,
        apply=lambda incident, at: incident.assess(
            at=at,
            severity=severity,
            scope=scope or "",
            estimated_reach=estimated_reach,
            affected_count=affected_count,
            impact=impact,
            rationale=rationale,
        ),
    )


def incident_respond(
    *, incident_id, actor, owner=None, expected_version: int | None = None
) -> Incident:
    """Start the response, owned by `owner` (by default the current owner, else the caller)."""
    return _transition(
        incident_id=incident_id,
        name="respond",
        actor=actor,
        expected_version=expected_version,
        apply=lambda incident, at: incident.respond(at=at, owner=owner or incident.owner or actor),
    )


def incident_resolve(
    *, incident_id, actor, resolution_summary: str, expected_version: int | None = None
) -> Incident:
    """Close the crisis with the solutions that were presented."""
    return _transition(
        incident_id=incident_id,
        name="resolve",
        actor=actor,
        expected_version=expected_version,
        apply=lambda incident, at: incident.resolve(at=at, resolution_summary=resolution_summary),
    )


def incident_dismiss(
    *, incident_id, actor, reason: str, duplicate_of=None, expected_version: int | None = None
) -> Incident:
    """Close a false alarm or a duplicate without a response."""
    return _transition(
        incident_id=incident_id,
        name="dismiss",
        actor=actor,
        expected_version=expected_version,
        apply=lambda incident, at: incident.dismiss(
            at=at, reason=reason, duplicate_of=duplicate_of
        ),
        note=reason,
    )


def incident_reopen(
    *, incident_id, actor, reason: str, expected_version: int | None = None
) -> Incident:
    """The crisis flares up again: back to responding."""
    return _transition(
        incident_id=incident_id,
        name="reopen",
        actor=actor,
        expected_version=expected_version,
        apply=lambda incident, at: incident.reopen(at=at, owner=actor),
        note=reason,
    )


def incident_review(
    *,
    incident_id,
    actor,
    summary: str,
    root_cause: str,
    what_went_well: str,
    what_went_wrong: str,
    lessons_learned: str,
    follow_up_actions: Iterable[str] = (),
    expected_version: int | None = None,
) -> Incident:
    """Record the post-incident review and close the incident for good."""
    record = {
        "summary": summary,
        "root_cause": root_cause,
        "what_went_well": what_went_well,
        "what_went_wrong": what_went_wrong,
        "lessons_learned": lessons_learned,
        "follow_up_actions": list(follow_up_actions),
    }

    def apply(incident: Incident, at: datetime) -> None:
        incident.review(at=at)
        IncidentReview.objects.create(incident=incident, reviewed_by=actor, created_at=at, **record)

    return _transition(
        incident_id=incident_id,
        name="review",
        actor=actor,
        expected_version=expected_version,
        apply=apply,
        data={"review": record},
    )


# The service of each transition, for callers that pick one by name (API, admin, demo data).
TRANSITION_SERVICES: dict[str, Callable[..., Incident]] = {
    "assess": incident_assess,
    "respond": incident_respond,
    "resolve": incident_resolve,
    "dismiss": incident_dismiss,
    "reopen": incident_reopen,
    "review": incident_review,
}


def incident_add_note(*, incident: Incident, actor, note: str) -> Event:
    """Add what we know now to the timeline (the incident itself is unchanged)."""
    return event_append(
        stream=incident.stream, action="incident.note_added", actor=actor, note=note
    )
