"""How the admin shows incidents: badges, deadlines and the timeline."""

from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

from crisis_api.admin_display import EMPTY, datetime_display
from incidents.deadlines.rules import DEADLINES, DeadlineKind, DeadlineState
from incidents.models import Incident

STATUS_COLOURS = {
    "detected": "#6d4c41",
    "assessed": "#ef6c00",
    "responding": "#c62828",
    "resolved": "#2e7d32",
    "reviewed": "#455a64",
}
SEVERITY_COLOURS = {"low": "#558b2f", "medium": "#f9a825", "high": "#ef6c00", "critical": "#b71c1c"}
DEADLINE_COLOURS = {
    DeadlineState.PENDING: "#757575",
    DeadlineState.ON_TRACK: "#2e7d32",
    DeadlineState.AT_RISK: "#ef6c00",
    DeadlineState.BREACHED: "#b71c1c",
    DeadlineState.MET: "#455a64",
    DeadlineState.MISSED: "#6d4c41",
}


def badge(value: str, label: str, colour: str, title: str = ""):
    """A coloured label; the machine value stays in `data-value` for scripts and tests."""
    return format_html(
        '<span class="crisis-badge" data-value="{}"{} style="background:{};color:#fff;'
        'padding:2px 8px;border-radius:10px;white-space:nowrap">{}</span>',
        value,
        format_html(' title="{}"', title) if title else "",
        colour,
        label,
    )


def status_badge(incident: Incident):
    return badge(
        incident.status,
        incident.get_status_display(),
        STATUS_COLOURS.get(incident.status, "#555"),
    )


def severity_badge(record):
    """The severity of an incident (or of a severity policy) as a badge."""
    if not record.severity:
        return EMPTY
    return badge(
        record.severity,
        record.get_severity_display(),
        SEVERITY_COLOURS[record.severity],
    )


def deadline_badge(kind: DeadlineKind, incident: Incident, now=None):
    """`Response · At risk`, coloured by the state, the due time in its tooltip."""
    deadline = kind.deadline(incident, now or timezone.now())
    if deadline.due_at is None:
        return EMPTY
    return badge(
        deadline.state,
        _("%(deadline)s · %(state)s") % {"deadline": kind.label, "state": deadline.state.label},
        DEADLINE_COLOURS[deadline.state],
        title=_("due %(when)s") % {"when": datetime_display(deadline.due_at)},
    )


def deadline_badges(incident: Incident):
    """Both deadlines' badges, one above the other; the empty mark until assessed."""
    if incident.response_due_at is None and incident.resolution_due_at is None:
        return EMPTY
    now = timezone.now()
    return format_html_join(
        "",
        '<div class="crisis-deadline" style="margin:1px 0">{}</div>',
        ((deadline_badge(kind, incident, now),) for kind in DEADLINES.values()),
    )


def deadline_with_due(kind: DeadlineKind, incident: Incident):
    """The badge and the due time written out (the incident page)."""
    shown = deadline_badge(kind, incident)
    if shown == EMPTY:
        return EMPTY
    due = datetime_display(getattr(incident, kind.due_field))
    return format_html("{} {}", shown, _("due %(when)s") % {"when": due})
