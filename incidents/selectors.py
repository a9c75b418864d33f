"""Reads: every query a response needs, in a fixed number of round trips."""

from datetime import UTC, datetime

from django.contrib.auth import get_user_model
from django.db.models import DateTimeField, Exists, OuterRef, Prefetch, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.http import Http404

from crisis_api.models import Event
from incidents.models import Incident

# Sorts incidents without a deadline after all others, so a cursor never meets a NULL.
FAR_FUTURE = datetime(9999, 12, 31, tzinfo=UTC)


def incidents_visible_to(user) -> QuerySet[Incident]:
    """Incidents this user may see: confidential ones only for their people and managers."""
    incidents = Incident.objects.all()
    if user.has_perm("incidents.view_confidential_incident"):
        return incidents
    participates = Incident.participants.through.objects.filter(
        incident_id=OuterRef("pk"), user_id=user.pk
    )
    return incidents.filter(
        Q(is_confidential=False) | Q(created_by=user) | Q(owner=user) | Exists(participates)
    )


def incident_list(*, user) -> QuerySet[Incident]:
    """Visible incidents with everything IncidentSerializer reads: two queries per page."""
    usernames = get_user_model().objects.only("id", "username")
    return (
        incidents_visible_to(user)
        .select_related("owner", "created_by", "review_record__reviewed_by")
        .prefetch_related(Prefetch("participants", queryset=usernames.order_by("username")))
        .annotate(
            response_due_order=Coalesce(
                "response_due_at", Value(FAR_FUTURE, output_field=DateTimeField())
            )
        )
    )


def incident_get(*, user, incident_id, related: bool = True) -> Incident:
    """One visible incident (404 for unknown and invisible alike).

    `related=False` skips what only the incident's own representation needs.
    """
    incidents = incident_list(user=user) if related else incidents_visible_to(user)
    incident = incidents.filter(pk=incident_id).first()
    if incident is None:
        raise Http404
    return incident


def incident_timeline(*, incident: Incident) -> QuerySet[Event]:
    """The incident's events, with their actors."""
    return Event.objects.filter(stream=incident.stream).select_related("actor")
