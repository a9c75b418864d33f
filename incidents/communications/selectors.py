"""Reads: communications as visible as their incident, and templates, in fixed query counts."""

from django.db.models import QuerySet

from incidents.communications.models import Communication, Template
from incidents.models import Incident
from incidents.selectors import incidents_visible_to

# What CommunicationSerializer reads beyond the row (one query with the row, whatever the page).
RELATED = ("incident", "created_by", "approved_by", "published_by")


def communications_visible_to(user) -> QuerySet[Communication]:
    """Communications of the incidents `user` may see (a confidential one's are hidden too)."""
    visible = incidents_visible_to(user).values("pk")
    return Communication.objects.filter(incident__in=visible).select_related(*RELATED)


def incident_communications(*, incident: Incident) -> QuerySet[Communication]:
    """An incident's communications, ready to serialise (one query per page)."""
    return Communication.objects.filter(incident_id=incident.pk).select_related(*RELATED)


def communication_written(*, communication_id) -> Communication:
    """The communication a caller has just written, ready to serialise."""
    return Communication.objects.select_related(*RELATED).get(pk=communication_id)


def template_list() -> QuerySet[Template]:
    """Every template (holding statements are shared by the whole team)."""
    return Template.objects.all()
