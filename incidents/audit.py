"""The incidents' cross-check of the audit log: each incident against its stream's events.

An incident's status is the to_status of the last event that set one, and its version counts
the events that changed it (its creation and transitions, which carry a status, and
`incident.updated`). A row changed behind the services' back, or an incident whose stream is
gone, shows here even when every chain is intact. Registered in IncidentsConfig.ready().
"""

import uuid

from django.utils.translation import gettext as _

from crisis_api.events.verification import StreamSummary

PREFIX = "incident:"
VERSION_ACTIONS = ("incident.updated",)


def check_incidents(summaries: dict[str, StreamSummary], complete: bool) -> dict[str, str]:
    """{stream: reason} for each incident that disagrees with its events (one query)."""
    from incidents.models import Incident

    ids = []
    for name in summaries:
        try:
            ids.append(uuid.UUID(name.removeprefix(PREFIX)))
        except ValueError:
            continue
    rows = Incident.objects.all() if complete else Incident.objects.filter(pk__in=ids)
    problems: dict[str, str] = {}
    for pk, status, version in rows.values_list("pk", "status", "version").iterator():
        stream = f"{PREFIX}{pk}"
        summary = summaries.get(stream)
        if summary is None or not summary.events:
            problems[stream] = _("the incident exists but its stream has no events")
            continue
        expected = summary.status_events + sum(summary.actions[a] for a in VERSION_ACTIONS)
        if status != summary.last_status:
            problems[stream] = _(
                "the incident's status is %(status)s, its last event says %(logged)s"
            ) % {"status": status, "logged": summary.last_status}
        elif version != expected:
            problems[stream] = _(
                "the incident's version is %(version)d, its events make it %(expected)d"
            ) % {"version": version, "expected": expected}
    return problems
