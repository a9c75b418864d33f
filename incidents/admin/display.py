"""How the admin shows incidents: badges, deadlines and the timeline."""

from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

from crisis_api.admin_display import EMPTY, datetime_display
from crisis_api.events.verification import ChainReport
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


def _value(value) -> str:
    if value in (None, "", []):
        return "—"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _changes(changes: dict) -> str:
    return "; ".join(
        f"{field}: {_value(change.get('from'))} → {_value(change.get('to'))}"
        for field, change in changes.items()
    )


def timeline_table(events):
    """The incident's events, oldest first, newest last."""
    rows = format_html_join(
        "\n",
        '<tr class="crisis-event" data-action="{}"><td>{}</td><td>{}</td><td>{}</td><td>{}</td>'
        "<td>{}</td><td>{}</td></tr>",
        (
            (
                event.action,
                event.sequence,
                timezone.localtime(event.at).strftime("%Y-%m-%d %H:%M:%S"),
                event.actor.username if event.actor else "system",
                event.action,
                _changes(event.changes)
                or (f"{event.from_status or '—'} → {event.to_status}" if event.to_status else ""),
                event.note,
            )
            for event in events
        ),
    )
    return format_html(
        '<div style="overflow-x:auto"><table id="crisis-timeline"><thead><tr><th>#</th>'
        "<th>at</th><th>actor</th><th>action</th><th>changes</th><th>note</th></tr></thead>"
        "<tbody>{}</tbody></table></div>",
        rows,
    )


def chain_verdict(report: ChainReport):
    if report.valid:
        return format_html(
            '<span id="crisis-chain" style="color:#2e7d32">✔ chain valid ({} events)</span>',
            report.events,
        )
    return format_html(
        '<span id="crisis-chain" style="color:#b71c1c">✘ chain broken at event {} ({})</span>',
        report.first_invalid_sequence,
        report.reason,
    )
