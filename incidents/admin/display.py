"""How the admin shows incidents: badges, deadlines and the timeline."""

from django.utils import timezone
from django.utils.html import format_html

from incidents.models import Incident

STATUS_COLOURS = {
    "detected": "#6d4c41",
    "assessed": "#ef6c00",
    "responding": "#c62828",
    "resolved": "#2e7d32",
    "reviewed": "#455a64",
}
SEVERITY_COLOURS = {"low": "#558b2f", "medium": "#f9a825", "high": "#ef6c00", "critical": "#b71c1c"}


def badge(value: str, colour: str):
    return format_html(
        '<span class="crisis-badge" style="background:{};color:#fff;padding:2px 8px;'
        'border-radius:10px;white-space:nowrap">{}</span>',
        colour,
        value,
    )


def status_badge(incident: Incident):
    return badge(incident.status, STATUS_COLOURS.get(incident.status, "#555"))


def severity_badge(incident: Incident):
    if not incident.severity:
        return "—"
    return badge(incident.severity, SEVERITY_COLOURS[incident.severity])


def deadline(incident: Incident):
    if incident.response_due_at is None:
        return "—"
    when = timezone.localtime(incident.response_due_at).strftime("%Y-%m-%d %H:%M")
    if incident.overdue:
        return format_html(
            '<strong class="crisis-overdue" style="color:#b71c1c">{} · overdue</strong>', when
        )
    return when
