"""Writes: every operation on incidents, each one transaction with its event.

Services lock the incident row, check the expected version and the state machine under the
lock, apply the change and append the event, so the change and its audit record commit or roll
back together. They refuse what they do not know: a field outside EDITABLE_FIELDS is a
programming error (TypeError), a change the rules forbid is a problem the API renders.
"""

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crisis_api.concurrency import check_version
from crisis_api.errors import InvalidInput, NotPermitted
from crisis_api.events.changes import diff, initial_values, snapshot
from crisis_api.events.services import SYSTEM_STREAM, NewEvent, event_append, events_append
from crisis_api.lifecycle.errors import NotEditable
from crisis_api.lifecycle.services import lock, run_transition
from crisis_api.models import Event
from incidents.actions.selectors import open_actions_count
from incidents.actions.services import actions_from_review
from incidents.deadlines.rules import derived_values
from incidents.models import (
    Category,
    Incident,
    IncidentReview,
    ReferenceCounter,
    Status,
)
from incidents.reviews.metrics import review_metrics
from incidents.selectors import users_with_permission
from incidents.state import incident_machine

# Fields whose changes the event log records ("status" is recorded as from/to status).
TRACKED_FIELDS = (
    "title", "summary", "category", "channels", "severity", "scope", "estimated_reach",
    "affected_count", "impact", "rationale", "owner", "is_confidential", "resolution",
    "resolution_summary", "duplicate_of", "detected_at", "assessed_at", "response_due_at",
    "resolution_due_at", "response_started_at", "first_response_at", "resolved_at",
    "reviewed_at",
)  # fmt: skip
WITH_PARTICIPANTS = (*TRACKED_FIELDS, "participants")

# What incident_update may change: the API, the admin and the demo data all use this list.
EDITABLE_FIELDS = (
    "title", "summary", "category", "channels", "severity", "scope", "estimated_reach",
    "affected_count", "impact", "rationale", "owner", "participants", "is_confidential",
    "detected_at",
)  # fmt: skip
# A reviewed incident is closed: only who may see it can still change.
EDITABLE_WHEN_REVIEWED = ("participants", "is_confidential")
CONFIDENTIAL_ACCESS = "incidents.view_confidential_incident"


def _next_reference(year: int) -> str:
    return _next_references(year, 1)[0]


def _next_references(year: int, count: int) -> list[str]:
    """The year's next `count` references, counted in one statement (an upsert that moves the
    counter by `count` and returns where it ends).

    The counter row stays locked until the transaction ends (PostgreSQL's row lock; SQLite
    writes one transaction at a time), so concurrent creations queue and numbers never repeat.
    PostgreSQL and SQLite (3.35 and later) both take `ON CONFLICT … DO UPDATE … RETURNING`.
    """
    quote = connection.ops.quote_name
    table = quote(ReferenceCounter._meta.db_table)
    year_column = quote(ReferenceCounter._meta.get_field("year").column)
    number = quote(ReferenceCounter._meta.get_field("last_number").column)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({year_column}, {number}) VALUES (%s, %s) "
            f"ON CONFLICT ({year_column}) DO UPDATE SET {number} = {table}.{number} + %s "
            f"RETURNING {number}",
            [year, count, count],
        )
        (last_number,) = cursor.fetchone()
    prefix = settings.INCIDENT_REFERENCE_PREFIX
    first = last_number - count + 1
    return [f"{prefix}-{year}-{n:04d}" for n in range(first, last_number + 1)]


def may_widen_visibility(incident: Incident, user) -> bool:
    """Who may show a confidential incident to more people: its owner (its creator while it has
    none) and managers."""
    if user.has_perm(CONFIDENTIAL_ACCESS):
        return True
    keeper_id = incident.owner_id or incident.created_by_id
    return keeper_id == user.pk


def _check_widening(
    incident: Incident, actor, *, public: bool = False, people=(), new_owner=None
) -> None:
    """Refuse (403) to widen who sees a confidential incident, unless the actor may.

    Widening is: making it public, showing it to `people` who cannot see it yet, or handing it
    to `new_owner` other than its keeper (its owner, else its creator) — a new owner could then
    widen it further, so changing hands is reserved to the keeper and managers too.
    """
    if not incident.is_confidential or may_widen_visibility(incident, actor):
        return
    if public:
        raise NotPermitted(
            _(
                "Only the incident's owner or a manager may make a confidential incident "
                "public; ask them."
            )
        )
    if new_owner is not None and new_owner.pk != (incident.owner_id or incident.created_by_id):
        raise NotPermitted(
            _(
                "Only the incident's owner or a manager may hand a confidential incident to "
                "%(name)s; ask them (its owner now: %(keeper)s)."
            )
            % {
                "name": new_owner.username,
                "keeper": (incident.owner or incident.created_by).username,
            }
        )
    seen_by = {incident.owner_id, incident.created_by_id}
    seen_by |= set(incident.participants.values_list("pk", flat=True))
    newcomers = {user.pk: user for user in people if user.pk not in seen_by}
    seen_by |= users_with_permission(CONFIDENTIAL_ACCESS, among=newcomers)  # managers
    names = sorted(user.username for pk, user in newcomers.items() if pk not in seen_by)
    if names:
        raise NotPermitted(
            _(
                "Only the incident's owner or a manager may show a confidential incident to "
                "more people (%(names)s); ask them."
            )
            % {"names": ", ".join(names)}
        )


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
    participants = list({user.pk: user for user in participants}.values())
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
    if participants:
        incident.participants.add(*participants)
    # What a snapshot would read back, without reading it: the incident is new.
    values = snapshot(incident, TRACKED_FIELDS)
    values["participants"] = sorted(user.username for user in participants)
    event_append(
        stream=incident.stream,
        action="incident.created",
        actor=actor,
        to_status=incident.status,
        changes=diff({}, initial_values(values)),
        new_stream=True,
    )
    return incident


@transaction.atomic
def incidents_create_many(*, actor, incidents: list[dict[str, Any]]) -> list[Incident]:
    """incident_create for many incidents at once (a batch of signals opening dozens): the same
    rows and `incident.created` events, in a fixed number of queries.

    Each dict holds `title` and optionally `summary`, `category`, `channels` and `detected_at`
    (no owner, participants or confidentiality: what ingestion opens).
    """
    if not incidents:
        return []
    now = timezone.now()
    created = []
    references = _next_references(now.year, len(incidents))
    for reference, fields in zip(references, incidents, strict=True):
        incident = Incident(
            reference=reference,
            title=fields["title"],
            summary=fields.get("summary", ""),
            category=fields.get("category", Category.OTHER),
            channels=list(fields.get("channels", ())),
            created_by=actor,
            detected_at=fields.get("detected_at") or now,
            created_at=now,
            updated_at=now,
        )
        for name, value in derived_values(incident).items():  # what Incident.save() does
            setattr(incident, name, value)
        created.append(incident)
    Incident.objects.bulk_create(created)
    events_append(
        [
            NewEvent(
                stream=incident.stream,
                action="incident.created",
                actor=actor,
                to_status=incident.status,
                # No participants: the snapshot leaves them out, as initial_values drops [].
                changes=diff({}, initial_values(snapshot(incident, TRACKED_FIELDS))),
            )
            for incident in created
        ]
    )
    return created


def check_editable(incident: Incident, names) -> None:
    """Refuse (409) to change anything but who sees a reviewed incident (it is closed).

    The API calls it before validating the input too, so a closed incident answers 409
    whatever the values sent (the contract's order: 412, 409, then 400).
    """
    if incident.status == Status.REVIEWED:
        closed = [name for name in names if name in EDITABLE_FIELDS]
        closed = [name for name in closed if name not in EDITABLE_WHEN_REVIEWED]
        if closed:
            raise NotEditable(closed, incident.status, list(EDITABLE_WHEN_REVIEWED))


@transaction.atomic
def incident_update(
    *, incident_id, actor, expected_version: int | None = None, **fields: Any
) -> Incident:
    """Change EDITABLE_FIELDS; no change, no event and no new version."""
    unknown = sorted(set(fields) - set(EDITABLE_FIELDS))
    if unknown:
        raise TypeError(
            f"incident_update() cannot change {', '.join(unknown)}; "
            f"editable: {', '.join(EDITABLE_FIELDS)}."
        )
    incident = lock(Incident, incident_id, related=("owner",))  # the snapshot reads its name
    check_version(expected_version, incident.version)
    before = snapshot(incident, WITH_PARTICIPANTS)
    check_editable(incident, fields)
    detected_at = fields.get("detected_at")
    if detected_at and incident.assessed_at and detected_at > incident.assessed_at:
        raise InvalidInput(
            {
                "detected_at": [
                    _("It was assessed at %(assessed_at)s; it cannot have been detected later.")
                    % {"assessed_at": incident.assessed_at.isoformat()}
                ]
            }
        )
    if "severity" in fields and not incident.assessed_at:
        raise InvalidInput(
            {"severity": [_("Assess the incident first: the assess transition sets its severity.")]}
        )
    _check_widening(
        incident,
        actor,
        public=fields.get("is_confidential") is False,
        people=fields.get("participants", ()),
        new_owner=fields.get("owner"),
    )
    participants = fields.pop("participants", None)
    severity = incident.severity
    for name, value in fields.items():
        setattr(incident, name, value)
    if incident.severity != severity:  # re-rated: the policy now in force sets both deadlines
        incident.apply_severity_policy()
    if participants is not None:
        incident.participants.set(participants)
    changes = diff(before, snapshot(incident, WITH_PARTICIPANTS))
    if not changes:
        return incident
    incident.version += 1
    incident.updated_at = timezone.now()
    incident.save()
    event_append(stream=incident.stream, action="incident.updated", actor=actor, changes=changes)
    return incident


def _transition(
    name: str,
    *,
    incident_id,
    actor,
    expected_version: int | None,
    apply: Callable[[Incident, datetime], None],
    note: str = "",
    data: dict[str, Any] | Callable[[Incident], dict[str, Any]] | None = None,
    check: Callable[[Incident], None] | None = None,
    at: datetime | None = None,
) -> Incident:
    """Run transition `name` through the platform's one write path.

    `at` is when it happened, for callers that record the past (demo data, history brought
    over from another tool; the API and the admin never pass it): the lifecycle time it sets
    and the deadlines count from it, while the event and `updated_at` keep the time of the
    write. It must fall between the incident's latest lifecycle time and now.
    """

    def checks(incident: Incident) -> None:
        if at is not None:
            _check_backdated(incident, at)
        if check is not None:
            check(incident)

    return run_transition(
        machine=incident_machine,
        pk=incident_id,
        name=name,
        actor=actor,
        expected_version=expected_version,
        apply=lambda incident, now: apply(incident, at or now),
        tracked=TRACKED_FIELDS,
        note=note,
        data=data,
        check=checks,
    )


# The lifecycle times, each set by a transition (or creation) when it happened.
LIFECYCLE_TIMES = (
    "detected_at", "assessed_at", "response_started_at", "first_response_at", "resolved_at",
    "reviewed_at",
)  # fmt: skip


def _check_backdated(incident: Incident, at: datetime) -> None:
    times = [t for name in LIFECYCLE_TIMES if (t := getattr(incident, name)) is not None]
    latest = max(times)
    if not latest <= at <= timezone.now():
        raise ValueError(
            f"{incident.reference}: a transition recorded at {at.isoformat()} must fall between "
            f"its latest lifecycle time ({latest.isoformat()}) and now."
        )


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
    at: datetime | None = None,
) -> Incident:
    """Size the crisis and start the response clock."""
    return _transition(
        "assess",
        incident_id=incident_id,
        actor=actor,
        expected_version=expected_version,
        at=at,
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
    *,
    incident_id,
    actor,
    owner=None,
    expected_version: int | None = None,
    at: datetime | None = None,
) -> Incident:
    """Start the response, owned by `owner` (by default the current owner, else the caller)."""

    def check(incident: Incident) -> None:
        _check_widening(incident, actor, new_owner=owner or incident.owner or actor)

    return _transition(
        "respond",
        incident_id=incident_id,
        actor=actor,
        expected_version=expected_version,
        at=at,
        apply=lambda incident, at: incident.respond(at=at, owner=owner or incident.owner or actor),
        check=check,
    )


def incident_resolve(
    *,
    incident_id,
    actor,
    resolution_summary: str,
    expected_version: int | None = None,
    at: datetime | None = None,
) -> Incident:
    """Close the crisis with the solutions that were presented (actions may still be open: the
    event records how many)."""
    return _transition(
        "resolve",
        incident_id=incident_id,
        actor=actor,
        expected_version=expected_version,
        at=at,
        apply=lambda incident, at: incident.resolve(at=at, resolution_summary=resolution_summary),
        data=lambda incident: {"open_actions": open_actions_count(incident=incident)},
    )


def incident_dismiss(
    *,
    incident_id,
    actor,
    reason: str,
    duplicate_of=None,
    expected_version: int | None = None,
    at: datetime | None = None,
) -> Incident:
    """Close a false alarm or a duplicate without a response."""
    return _transition(
        "dismiss",
        incident_id=incident_id,
        actor=actor,
        expected_version=expected_version,
        at=at,
        apply=lambda incident, at: incident.dismiss(
            at=at, reason=reason, duplicate_of=duplicate_of
        ),
        note=reason,
    )


def incident_reopen(
    *,
    incident_id,
    actor,
    reason: str,
    severity: str | None = None,
    scope: str | None = None,
    estimated_reach: int | None = None,
    affected_count: int | None = None,
    impact: Iterable[str] = (),
    rationale: str = "",
    expected_version: int | None = None,
    at: datetime | None = None,
) -> Incident:
    """The crisis flares up again: back to responding.

    An incident dismissed before it was ever assessed is assessed now: `severity` is then
    required (the other assessment fields are optional) and the deadlines follow as at assess.
    The assessment fields are refused for an incident that was assessed (PATCH changes those).
    """
    given = {
        "severity": severity,
        "scope": scope,
        "estimated_reach": estimated_reach,
        "affected_count": affected_count,
        "impact": list(impact),
        "rationale": rationale,
    }
    given = {name: value for name, value in given.items() if value not in (None, "", [])}

    def check(incident: Incident) -> None:
        if incident.assessed_at is None and not severity:
            raise InvalidInput(
                {
                    "severity": [
                        _(
                            "This incident was dismissed before it was assessed: give its "
                            "severity (and, if known, scope, estimated_reach, affected_count, "
                            "impact, rationale) to reopen it."
                        )
                    ]
                }
            )
        if incident.assessed_at is not None and given:
            message = _("Already assessed: change it with PATCH after reopening.")
            raise InvalidInput({name: [message] for name in given})
        _check_widening(incident, actor, new_owner=incident.owner or actor)

    return _transition(
        "reopen",
        incident_id=incident_id,
        actor=actor,
        expected_version=expected_version,
        at=at,
        apply=lambda incident, at: incident.reopen(at=at, owner=actor, assessment=given),
        note=reason,
        check=check,
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
    at: datetime | None = None,
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
        record["metrics"] = review_metrics(incident=incident)  # also in the event's data
        IncidentReview.objects.create(incident=incident, reviewed_by=actor, created_at=at, **record)

    with transaction.atomic():  # the follow-ups become actions in the review's transaction
        incident = _transition(
            "review",
            incident_id=incident_id,
            actor=actor,
            expected_version=expected_version,
            at=at,
            apply=apply,
            data={"review": record},
        )
        actions_from_review(incident=incident, actor=actor, follow_ups=record["follow_up_actions"])
    return incident


# The service of each transition, for callers that pick one by name (API, admin, demo data).
TRANSITION_SERVICES: dict[str, Callable[..., Incident]] = {
    "assess": incident_assess,
    "respond": incident_respond,
    "resolve": incident_resolve,
    "dismiss": incident_dismiss,
    "reopen": incident_reopen,
    "review": incident_review,
}


@transaction.atomic
def incident_add_note(
    *, incident_id, actor, note: str, expected_version: int | None = None
) -> Event:
    """Add what we know now to the timeline (the incident itself and its version are unchanged).

    `expected_version` is honoured like on every other write: a note written against a stale
    view of the incident is refused (412), so nobody annotates a state they have not seen.
    """
    incident = lock(Incident, incident_id)
    check_version(expected_version, incident.version)
    return event_append(
        stream=incident.stream, action="incident.note_added", actor=actor, note=note
    )


def incidents_export_record(*, actor, count: int, query: str) -> Event:
    """Record on the system stream that `actor` exported `count` incidents."""
    return event_append(
        stream=SYSTEM_STREAM,
        action="incidents.exported",
        actor=actor,
        data={"count": count, "query": query},
    )
