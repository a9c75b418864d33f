"""The metrics snapshot a review keeps: how fast the team was, and what it did.

Taken once, by the `review` transition, and stored in `IncidentReview.metrics` (and in the
`incident.reviewed` event's data) so the numbers stay as they were when the team reviewed the
crisis, whatever changes later. Every key is always present; a value is null when the moment
it measures never happened (an incident dismissed before any response has no time to first
response) or when there was no deadline to meet.
"""

from datetime import datetime

from django.db.models import Count, Q
from django.utils import timezone

from incidents.actions.selectors import actions_summary
from incidents.communications.models import Communication
from incidents.deadlines.rules import RESOLUTION, RESPONSE, DeadlineKind
from incidents.models import Incident
from incidents.monitoring.selectors import signals_summary

# The snapshot's keys, in the order the admin and the report show them.
DURATIONS = {
    # key: the lifecycle time measured from `detected_at`
    "seconds_to_assessment": "assessed_at",
    "seconds_to_first_response": "first_response_at",
    "seconds_to_first_public_response": "first_public_response_at",
    "seconds_to_resolution": "resolved_at",
}
DEADLINES_MET = {"response_deadline_met": RESPONSE, "resolution_deadline_met": RESOLUTION}
COUNTS = (
    "signals_count", "signals_reach", "communications_published", "communications_withdrawn",
    "actions_done", "actions_open",
)  # fmt: skip
KEYS = (*DURATIONS, *DEADLINES_MET, *COUNTS, "compensations")


def _seconds(start: datetime | None, end: datetime | None) -> int | None:
    if start is None or end is None:
        return None
    return round((end - start).total_seconds())


def _deadline_met(kind: DeadlineKind, incident: Incident) -> bool | None:
    """Met when it ended by its due time, by the rule the deadline states follow (the response
    ends with its first start, or a dismissal's resolution); null without a deadline."""
    due = getattr(incident, kind.due_field)
    if due is None:
        return None
    ended = kind.ended_at(incident)
    return ended is not None and ended <= due


def review_metrics(*, incident: Incident) -> dict:
    """The snapshot of `incident` now (the review calls it under the incident's lock).

    Communications: those published, withdrawn ones included (they were public); those
    published then withdrawn are counted again apart. Actions: those of the crisis (the
    follow-ups the review creates come after the snapshot); compensations: not cancelled,
    totalled per currency as decimal strings (incidents.actions.selectors, the rule every
    figure of compensations follows). Six queries, whatever the sizes: the signal
    tallies (four), the communications and the actions (one each).
    """
    signals = signals_summary(incident=incident)
    communications = Communication.objects.filter(
        incident_id=incident.pk, published_at__isnull=False
    ).aggregate(
        published=Count("pk"),
        withdrawn=Count("pk", filter=Q(withdrawn_at__isnull=False)),
    )
    actions = actions_summary(incident=incident, now=timezone.now())
    return {
        **{
            key: _seconds(incident.detected_at, getattr(incident, moment))
            for key, moment in DURATIONS.items()
        },
        **{key: _deadline_met(kind, incident) for key, kind in DEADLINES_MET.items()},
        "signals_count": signals.count,
        "signals_reach": signals.reach,
        "communications_published": communications["published"],
        "communications_withdrawn": communications["withdrawn"],
        "actions_done": actions.done,
        "actions_open": actions.open,
        "compensations": {total.currency: str(total.total) for total in actions.compensation},
    }
