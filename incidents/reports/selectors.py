"""Reads: everything the crisis report shows, in a fixed number of queries.

Nine queries whatever the sizes: the incident (with its people, review, the visibility of
the incident it duplicates and the totals below), the signals summary (four, from the
tallies), the first events of its timeline, its published communications, its actions and
their compensation totals. Long lists are capped, and the report says so.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Exists, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from crisis_api.models import Event, EventStream
from incidents.actions.models import Action
from incidents.actions.selectors import compensation_totals
from incidents.communications.models import Communication
from incidents.models import Incident
from incidents.monitoring.selectors import SignalsSummary, signals_summary
from incidents.selectors import incidents_visible_to

# The most rows of each list the report shows (it says how many there are in all).
TIMELINE_CAP = 500
COMMUNICATIONS_CAP = 100
ACTIONS_CAP = 200


@dataclass
class ReportData:
    incident: Incident
    signals: SignalsSummary
    events: list[Event]
    events_total: int
    communications: list[Communication]
    communications_total: int
    actions: list[Action]
    actions_total: int
    compensations: dict[str, Decimal]


def _total(queryset: QuerySet) -> Subquery:
    counted = queryset.order_by().values("incident_id").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def report_incident(*, incident_id, user) -> Incident:
    """The incident of the report, if `user` may see it (404 otherwise)."""
    visible = incidents_visible_to(user)
    published = Communication.objects.filter(incident_id=OuterRef("pk"), published_at__isnull=False)
    incidents = visible.select_related(
        "owner", "created_by", "duplicate_of", "review_record__reviewed_by"
    ).annotate(
        duplicate_of_visible=Exists(visible.filter(pk=OuterRef("duplicate_of_id"))),
        events_total=Coalesce(
            Subquery(
                EventStream.objects.filter(name=f"incident:{incident_id}").values("last_sequence")
            ),
            0,
        ),
        communications_total=_total(published),
        actions_total=_total(Action.objects.filter(incident_id=OuterRef("pk"))),
    )
    return get_object_or_404(incidents, pk=incident_id)


def report_data(*, incident: Incident) -> ReportData:
    """What the report of `incident` (from `report_incident`) shows."""
    events = Event.objects.filter(stream=incident.stream).select_related("actor")
    communications = (
        Communication.objects.filter(incident_id=incident.pk, published_at__isnull=False)
        .select_related("published_by", "approved_by")
        .order_by("published_at", "id")
    )
    actions = (
        Action.objects.filter(incident_id=incident.pk)
        .select_related("owner")
        .order_by("created_at", "id")
    )
    return ReportData(
        incident=incident,
        signals=signals_summary(incident=incident),
        events=list(events.order_by("sequence")[:TIMELINE_CAP]),
        events_total=incident.events_total,
        communications=list(communications[:COMMUNICATIONS_CAP]),
        communications_total=incident.communications_total,
        actions=list(actions[:ACTIONS_CAP]),
        actions_total=incident.actions_total,
        compensations={
            total.currency: total.total
            for total in compensation_totals(Action.objects.filter(incident_id=incident.pk))
        },
    )
