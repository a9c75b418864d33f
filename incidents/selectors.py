"""Reads: every query a response needs, in a fixed number of round trips."""

from django.contrib.auth import get_user_model
from django.db.models import DateTimeField, Exists, F, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from crisis_api.compiled import CompiledQuery
from crisis_api.events.hooks import StreamSubject
from crisis_api.expressions import JSONList, RowwiseExists
from crisis_api.models import Event
from incidents.deadlines.rules import FAR_FUTURE, next_due_order
from incidents.models import Incident, Status

CONFIDENTIAL_ACCESS = "incidents.view_confidential_incident"


def incidents_visible_to(user, *, rowwise: bool = False) -> QuerySet[Incident]:
    """Incidents this user may see: confidential ones only for their people and managers.

    `rowwise` for a query that reads a page or one incident: whether the user takes part is
    then checked for each row read (RowwiseExists), not by hashing every incident they take
    part in first.
    """
    if user.has_perm(CONFIDENTIAL_ACCESS):
        return Incident.objects.all()
    return _visible_to_user_id(user.pk, rowwise=rowwise)


def _visible_to_user_id(user_id, *, rowwise: bool = False) -> QuerySet[Incident]:
    """Incidents the user `user_id`, who may not see every confidential one, may see."""
    participates = Incident.participants.through.objects.filter(
        incident_id=OuterRef("pk"), user_id=user_id
    )
    takes_part = RowwiseExists(participates) if rowwise else Exists(participates)
    return Incident.objects.filter(
        Q(is_confidential=False) | Q(created_by_id=user_id) | Q(owner_id=user_id) | takes_part
    )


def _with_related(incidents: QuerySet[Incident]) -> QuerySet[Incident]:
    """Everything IncidentRepresentation reads in the incidents' query, their
    participants' usernames included, but their actions (a page reads them in one more query,
    `actions_summaries`; one incident with its row, `with_actions_summary`).

    The users are read as their usernames only (no user rows to build), the review with the
    incident. Whether the user may see each duplicate's original is read for the page, after
    it is cut (`mark_visible_originals`): as a column of this query, PostgreSQL would hash every
    incident the user may see on every page.
    """
    return incidents.select_related("review_record").annotate(
        owner_username=F("owner__username"),
        created_by_username=F("created_by__username"),
        reviewed_by_username=F("review_record__reviewed_by__username"),
        participant_usernames=participant_usernames(),
    )


# More names than an incident can hold (the API takes 100, the service's users are people).
PARTICIPANTS_READ = 10_000


def participant_usernames() -> JSONList:
    """The usernames of the incident's participants, in name order, as a column of its row."""
    through = Incident.participants.through.objects.filter(incident=OuterRef("pk"))
    return JSONList(through.order_by("user__username"), "user__username", limit=PARTICIPANTS_READ)


def mark_visible_originals(incidents, *, user) -> None:
    """Set `duplicate_of_visible` on each incident: may `user` see the original it duplicates?
    (A confidential original's id is hidden from those who may not see it.)

    One query for a page that names originals, among the ids it names; none for those who see
    every incident or a page without duplicates.
    """
    named = {incident.duplicate_of_id for incident in incidents} - {None}
    if named and not user.has_perm(CONFIDENTIAL_ACCESS):
        found = incidents_visible_to(user).filter(pk__in=named).values_list("pk", flat=True)
        named = set(found)
    for incident in incidents:
        incident.duplicate_of_visible = incident.duplicate_of_id in named


# What each list ordering sorts by (incidents.api.views: cursor_orderings), annotated only when
# the list is ordered by it.
ORDERING_ANNOTATIONS = {
    "response_due_order": lambda: Coalesce(
        "response_due_at", Value(FAR_FUTURE, output_field=DateTimeField())
    ),
    "next_due_order": next_due_order,
}


def incident_list(*, user, ordering: tuple[str, ...] = ()) -> QuerySet[Incident]:
    """Visible incidents, ready to serialise, with what `ordering` sorts by."""
    names = {field.lstrip("-") for field in ordering}
    return _with_related(incidents_visible_to(user, rowwise=True)).annotate(
        **{name: make() for name, make in ORDERING_ANNOTATIONS.items() if name in names}
    )


def with_actions_summary(incidents: QuerySet[Incident], *, now) -> QuerySet[Incident]:
    """The incidents with the rows of their actions' summary at `now` as a column of each
    (`actions_summary_rows`): one incident's answer in one query instead of two."""
    from incidents.actions.selectors import actions_summary_column  # (it imports this module)

    return incidents.annotate(actions_summary_rows=actions_summary_column(now=now))


# One incident as its answer reads it (`_with_related`, its actions' summary at `now`), each
# shape compiled once per process: building and compiling this query cost more than running
# it. Among every incident (a manager's, or one just written), or among those `user_id` sees.
_ONE_INCIDENT = CompiledQuery(
    lambda pk, now: with_actions_summary(_with_related(Incident.objects.filter(pk=pk)), now=now),
    pk=Incident._meta.pk,
    now=DateTimeField(),
)
_ONE_VISIBLE_INCIDENT = CompiledQuery(
    lambda pk, user_id, now: with_actions_summary(
        _with_related(_visible_to_user_id(user_id, rowwise=True).filter(pk=pk)), now=now
    ),
    pk=Incident._meta.pk,
    user_id=Incident._meta.get_field("created_by"),
    now=DateTimeField(),
)


def incident_detail(*, incident_id, user, now) -> Incident | None:
    """The incident `incident_id` if `user` may see it, ready to serialise for them (its
    actions' summary at `now` with it), in one query; None when there is none to see.

    Raises ValidationError when `incident_id` is not a UUID.
    """
    if user.has_perm(CONFIDENTIAL_ACCESS):
        found = _ONE_INCIDENT.objects(pk=incident_id, now=now)
    else:
        found = _ONE_VISIBLE_INCIDENT.objects(pk=incident_id, user_id=user.pk, now=now)
    return found[0] if found else None


def incident_written(*, incident_id, now) -> Incident:
    """The incident a caller has just written, ready to serialise for them (its actions'
    summary at `now` with it), in one query.

    No visibility filter: a write may hide the incident from its own author (making it
    confidential, handing it to another owner); the author still gets what was saved.
    """
    found = _ONE_INCIDENT.objects(pk=incident_id, now=now)
    if not found:
        raise Incident.DoesNotExist(f"No incident {incident_id}.")
    return found[0]


def participant_names(*, incident_ids) -> dict:
    """incident id -> the usernames of its participants, in name order (one query)."""
    names: dict = {pk: [] for pk in incident_ids}
    if names:
        pairs = (
            Incident.participants.through.objects.filter(incident_id__in=list(names))
            .order_by("user__username")
            .values_list("incident_id", "user__username")
        )
        for incident_id, username in pairs:
            names[incident_id].append(username)
    return names


def incident_timeline(*, incident: Incident) -> QuerySet[Event]:
    """The incident's events, with their actors."""
    return Event.objects.filter(stream=incident.stream).select_related("actor")


# Fields of incident events that name another incident.
INCIDENT_REFERENCES = ("duplicate_of",)


def incident_changes_redactor(*, events, user):
    """A function hiding, in these events' changes, the incidents `user` may not see.

    One query for the whole page, whatever its size; None when nothing needs hiding.
    """
    named = {
        value
        for event in events
        for field in INCIDENT_REFERENCES
        if field in event.changes
        for value in event.changes[field].values()
        if value
    }
    if not named:
        return None
    visible = {
        str(pk)
        for pk in incidents_visible_to(user).filter(pk__in=named).values_list("pk", flat=True)
    }
    hidden = named - visible
    if not hidden:
        return None

    def redact(changes: dict) -> dict:
        return {
            field: (
                {k: (None if v in hidden else v) for k, v in change.items()}
                if field in INCIDENT_REFERENCES
                else change
            )
            for field, change in changes.items()
        }

    return redact


def users_who_can_respond() -> QuerySet:
    """Active users who may own an incident (their role can start a response)."""
    permission = Q(groups__permissions__codename="respond_incident") | Q(
        user_permissions__codename="respond_incident"
    )
    return (
        get_user_model()
        .objects.filter(Q(is_superuser=True) | permission, is_active=True)
        .distinct()
        .order_by("username")
    )


def users_with_permission(permission: str, *, among) -> set[int]:
    """The ids, among the user ids `among`, of active users who hold `permission` (one query)."""
    if not among:
        return set()
    app_label, codename = permission.split(".", 1)
    granted = Q(
        groups__permissions__codename=codename,
        groups__permissions__content_type__app_label=app_label,
    ) | Q(
        user_permissions__codename=codename,
        user_permissions__content_type__app_label=app_label,
    )
    users = get_user_model().objects.filter(Q(is_superuser=True) | granted, is_active=True)
    return set(users.filter(pk__in=list(among)).values_list("pk", flat=True))


def overdue_q() -> Q:
    """Incidents whose response is overdue now (the query form of Incident.overdue)."""
    return Q(status=Status.ASSESSED, response_due_at__lt=timezone.now())


def any_channel_q(channels) -> Q:
    """Incidents seen on any of `channels`.

    JSON containment (__contains) does not work on SQLite; the JSON text of a list of channel
    names holds each one in quotes, and channel names never contain quotes.
    """
    matches = Q()
    for channel in channels:
        matches |= Q(channels__icontains=f'"{channel}"')
    return matches


def incident_stream_subjects(streams: list[str]) -> dict:
    """What each incident stream is about (one query): its confidentiality, id and reference."""
    ids = {name.removeprefix("incident:"): name for name in streams}
    found = Incident.objects.filter(pk__in=list(ids)).values_list(
        "pk", "reference", "is_confidential"
    )
    return {
        ids[str(pk)]: StreamSubject(
            confidential=confidential, data={"incident": str(pk), "reference": reference}
        )
        for pk, reference, confidential in found
    }
