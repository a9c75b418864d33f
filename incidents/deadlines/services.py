"""Writes about deadlines: the severity policy, and recording breaches in the event log."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from crisis_api.events.changes import diff, snapshot
from crisis_api.events.services import SYSTEM_STREAM, event_append
from crisis_api.models import Event
from incidents.deadlines.rules import DEADLINES, DeadlineKind
from incidents.models import Incident, SeverityPolicy

POLICY_FIELDS = ("response_window", "resolution_window")
# Incidents read per query while looking for breaches (each breach is then its own write).
BREACH_BATCH = 200


@transaction.atomic
def severity_policy_update(
    *, severity: str, actor, response_window: timedelta, resolution_window: timedelta
) -> SeverityPolicy:
    """Change the windows of one severity, recorded on the system stream.

    The new windows apply to incidents assessed or re-rated from now on; incidents keep the
    due times they were given. Windows out of bounds raise Django's ValidationError (the
    admin form shows the same checks first). No change, no event.
    """
    policy = SeverityPolicy.objects.select_for_update().get(pk=severity)
    before = snapshot(policy, POLICY_FIELDS)
    policy.response_window = response_window
    policy.resolution_window = resolution_window
    policy.full_clean()
    changes = diff(before, snapshot(policy, POLICY_FIELDS))
    if changes:
        policy.save(update_fields=list(POLICY_FIELDS))
        event_append(
            stream=SYSTEM_STREAM,
            action="severity_policy.updated",
            actor=actor,
            changes=changes,
            data={"severity": severity},
        )
    return policy


@dataclass(frozen=True)
class RecordedBreach:
    """One breach that `incident_deadline_breaches_record` wrote to the event log."""

    incident: Incident
    deadline: DeadlineKind
    due_at: datetime
    event: Event


def incident_deadline_breaches_record(*, now: datetime | None = None) -> list[RecordedBreach]:
    """Record every deadline breached at `now` (default: the clock now) and not yet recorded.

    Each breach appends `incident.response_deadline_breached` or
    `incident.resolution_deadline_breached` to the incident's stream, with no actor, exactly
    once per incident and deadline however often this runs. Each is claimed by locking the
    incident row with `SELECT … FOR UPDATE SKIP LOCKED WHERE <still breached> AND <not yet
    recorded>`, then marked recorded, its event appended in the same transaction. The database
    decides: a row another run is recording is skipped, and once that run has committed the
    condition no longer holds (PostgreSQL re-checks it on the latest row version); a row that a
    transition holds is skipped too, and recorded by the next run if still breached. So any
    number of runs may overlap, and none waits for another. (SQLite has no row locks: its
    IMMEDIATE transactions run the writers one at a time.) The incident's version and
    `updated_at` do not change: recording a breach is not an edit.
    """
    now = now or timezone.now()
    recorded = []
    for kind in DEADLINES.values():
        breached = Incident.objects.filter(kind.unrecorded_breach_q(now)).order_by("pk")
        last = None
        while True:
            page = breached if last is None else breached.filter(pk__gt=last)
            pks = list(page.values_list("pk", flat=True)[:BREACH_BATCH])
            if not pks:
                break
            last = pks[-1]
            recorded += filter(None, (_record_breach(kind, pk, now) for pk in pks))
    return sorted(recorded, key=lambda breach: (breach.due_at, breach.incident.reference))


@transaction.atomic
def _record_breach(kind: DeadlineKind, pk, now: datetime) -> RecordedBreach | None:
    still_breached = Incident.objects.filter(kind.unrecorded_breach_q(now), pk=pk)
    claimed = still_breached.select_for_update(skip_locked=True).values_list("pk", flat=True)
    if not list(claimed):  # recorded by an overlapping run, met meanwhile, or busy: next run
        return None
    Incident.objects.filter(pk=pk).update(**{kind.breach_recorded_field: now})
    incident = Incident.objects.get(pk=pk)
    due_at = getattr(incident, kind.due_field)
    event = event_append(
        stream=incident.stream,
        action=kind.breach_event,
        data={"deadline": kind.name, "due_at": due_at, "severity": incident.severity},
    )
    return RecordedBreach(incident=incident, deadline=kind, due_at=due_at, event=event)
