"""Which record an event of an incident's stream is about.

The incident's stream also holds the events of its communications and actions
(`communication.approved`, `action.created`: the prefix names the record). Their `changes`
name that record's fields, so the timelines (the incident page, the crisis report) label them
with that record's field names and choices, not the incident's.
"""

from django.db import models

from incidents.actions.models import Action
from incidents.communications.models import Communication
from incidents.models import Incident

RECORDS: dict[str, type[models.Model]] = {"communication": Communication, "action": Action}


def event_model(action: str) -> type[models.Model]:
    """The model whose fields the changes of an event with this `action` name."""
    return RECORDS.get(action.partition(".")[0], Incident)
