"""How the admin shows incidents: badges, deadlines and the timeline."""

from django.utils.html import format_html
from django.utils.translation import gettext as _

from crisis_api.admin_display import EMPTY, datetime_display
from incidents.models import Incident

STATUS_COLOURS = {
    "detected": "#6d4c41",
    "assessed": "#ef6c00",
    "responding": "#c62828",
    "resolved": "#2e7d32",
    "reviewed": "#455a64",
}
SEVERITY_COLOURS = {"low": "#558b2f", "medium": "#f9a825", "high": "#ef6c00", "critical": "#b71c1c"}


def badge(value: str, label: str, colour: str):
    """A coloured label; the machine value stays in `data-value` for scripts and tests."""
    return format_html(
        '<span class="crisis-badge" data-value="{}" style="background:{};color:#fff;'
        'padding:2px 8px;border-radius:10px;white-space:nowrap">{}</span>',
        value,
        colour,
        label,
    )


def status_badge(incident: Incident):
    return badge(
        incident.status,
        incident.get_status_display(),
        STATUS_COLOURS.get(incident.status, "#555"),
    )


def severity_badge(incident: Incident):
    if not incident.severity:
        return EMPTY
    return badge(
        incident.severity,
        incident.get_severity_display(),
        SEVERITY_COLOURS[incident.severity],
    )


def deadline(incident: Incident):
    if incident.response_due_at is None:
        return EMPTY
    when = datetime_display(incident.response_due_at)
    if incident.overdue:
        return format_html(
            '<strong class="crisis-overdue" style="color:#b71c1c">{}</strong>',
            _("%(deadline)s · overdue") % {"deadline": when},
        )
    return when
