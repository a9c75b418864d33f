"""The crisis report: the whole story of an incident as one Markdown document.

`report_markdown` writes what `incidents.reports.selectors.report_data` read, in the active
language (the API's Accept-Language, the admin's language), every piece of user text escaped
by `incidents.reports.markdown`. The API and the admin both serve it.
"""

import re
from datetime import datetime

from django.core.exceptions import FieldDoesNotExist
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext

from crisis_api.admin_display import datetime_display
from crisis_api.lifecycle.machine import all_machines
from incidents.deadlines.rules import DEADLINES, RESOLUTION, RESPONSE
from incidents.models import Channel, Impact, Incident
from incidents.reports.markdown import EMPTY, block, cell, inline, quote, table
from incidents.reports.selectors import ReportData
from incidents.reviews.display import count_display, metric_rows, money_display
from incidents.timeline import event_model

# What the timeline calls the events that are not transitions (those take their label from
# their state machine's declarations).
EVENT_LABELS = {
    "incident.created": gettext_lazy("Created"),
    "incident.updated": gettext_lazy("Updated"),
    "incident.note_added": gettext_lazy("Note"),
    "signals.attached": gettext_lazy("Signals attached"),
    "communication.drafted": gettext_lazy("Communication drafted"),
    "communication.updated": gettext_lazy("Communication updated"),
    "action.created": gettext_lazy("Action created"),
    "action.updated": gettext_lazy("Action updated"),
    **{kind.breach_event: kind.breached_label for kind in DEADLINES.values()},
}
MACHINE_VALUE = re.compile(r"[a-z_.]{1,100}")


def _event_labels() -> dict[str, str]:
    labels = {action: str(label) for action, label in EVENT_LABELS.items()}
    for machine in all_machines():
        noun = str(machine.model._meta.verbose_name)
        for name in machine.names:
            label = str(capfirst(machine.label(name)))
            action = machine.event_action(name)
            labels[action] = (
                label if machine.model is Incident else _labelled(capfirst(noun), label)
            )
    return labels


def _labelled(label: str, value: str) -> str:
    """A label and its value, "Label: value" (French puts a space before the colon)."""
    return pgettext("a label and its value", "%(label)s:") % {"label": label} + f" {value}"


def _fact(label: str, value: str) -> str:
    """A list item "**Label:** value"."""
    labelled = pgettext("a label and its value", "%(label)s:") % {"label": label}
    return f"- **{labelled}** {value}"


def _when(value: datetime | None) -> str:
    return datetime_display(value) if value else EMPTY


def _choice(choices, value) -> str:
    return str(dict(choices).get(value, value)) if value else EMPTY


def _list(choices, values) -> str:
    return ", ".join(_choice(choices, v) for v in values) if values else EMPTY


def _count(value) -> str:
    return EMPTY if value is None else count_display(value)


def _capped(shown: int, total: int, message: str) -> str:
    """A note under a capped list: `message` has %(shown)s and %(total)s."""
    if total <= shown:
        return ""
    counts = {"shown": count_display(shown), "total": count_display(total)}
    return "\n\n*" + message % counts + "*"


def _deadline(kind, incident: Incident, now: datetime) -> str:
    deadline = kind.deadline(incident, now)
    if deadline.due_at is None:
        return EMPTY
    return f"{_when(deadline.due_at)} ({deadline.state.label.lower()})"


def _header(incident: Incident, now: datetime, reader) -> list[str]:
    title = _("Crisis report %(reference)s: %(title)s") % {
        "reference": incident.reference,
        "title": inline(incident.title),
    }
    rows = [
        (_("Reference"), incident.reference),
        (_("Status"), incident.get_status_display()),
        (_("Severity"), _choice(incident._meta.get_field("severity").choices, incident.severity)),
        (_("Scope"), _choice(incident._meta.get_field("scope").choices, incident.scope)),
        (_("Category"), incident.get_category_display()),
        (_("Channels"), _list(Channel.choices, incident.channels)),
        (_("Owner"), cell(incident.owner.username if incident.owner else "")),
        (_("Created by"), cell(incident.created_by.username)),
        (_("Detected"), _when(incident.detected_at)),
        (_("Assessed"), _when(incident.assessed_at)),
        (_("Response due"), _deadline(RESPONSE, incident, now)),
        (_("First response"), _when(incident.first_response_at)),
        (_("First public response"), _when(incident.first_public_response_at)),
        (_("Resolution due"), _deadline(RESOLUTION, incident, now)),
        (_("Resolved"), _when(incident.resolved_at)),
        (_("Reviewed"), _when(incident.reviewed_at)),
    ]
    lines = [f"# {title}", ""]
    if incident.is_confidential:
        lines += [
            "**"
            + _("Confidential: share it only with the people who may see this incident.")
            + "**",
            "",
        ]
    lines += [table([_("Field"), _("Value")], [[label, value] for label, value in rows]), ""]
    lines.append(
        "*"
        + _("Written on %(now)s for %(reader)s; times in %(zone)s.")
        % {
            "now": datetime_display(now),
            "reader": inline(reader.get_username()),
            "zone": timezone.get_current_timezone_name(),
        }
        + "*"
    )
    return lines


def _summary(incident: Incident) -> list[str]:
    return ["## " + _("Summary"), "", block(incident.summary) or _("No summary."), ""]


def _assessment(incident: Incident) -> list[str]:
    lines = ["## " + _("Assessment"), ""]
    if incident.assessed_at is None:
        return [*lines, _("The incident was never assessed."), ""]
    facts = [
        (_("Severity"), incident.get_severity_display()),
        (_("Scope"), _choice(incident._meta.get_field("scope").choices, incident.scope)),
        (_("Estimated reach"), _count(incident.estimated_reach)),
        (_("People affected"), _count(incident.affected_count)),
        (_("Impact"), _list(Impact.choices, incident.impact)),
    ]
    lines += [_fact(label, value) for label, value in facts]
    lines += ["", "### " + _("Rationale"), "", block(incident.rationale) or _("None given."), ""]
    return lines


def _signals(data: ReportData) -> list[str]:
    summary = data.signals
    lines = ["## " + _("Signals from monitoring"), ""]
    if not summary.count:
        return [*lines, _("No signals were received."), ""]
    share = lambda value: EMPTY if value is None else f"{round(value * 100)} %"  # noqa: E731
    platforms = ", ".join(
        f"{_choice(Channel.choices, p)} ({count_display(n)})" for p, n in summary.platforms.items()
    )
    facts = [
        (_("Signals"), count_display(summary.count)),
        (_("Distinct authors"), count_display(summary.authors)),
        (_("Total reach"), count_display(summary.reach)),
        (_("Engagement"), count_display(summary.engagement)),
        (_("Platforms"), platforms),
        (_("First seen"), _when(summary.first_observed_at)),
        (_("Last seen"), _when(summary.last_observed_at)),
        (_("Negative"), share(summary.negative_share)),
        (_("Near-identical to another author's"), share(summary.near_duplicate_share)),
    ]
    if summary.peak_hour:
        peak = ngettext(
            "%(hour)s (%(count)s signal)", "%(hour)s (%(count)s signals)",
            summary.peak_hour["count"],
        ) % {"hour": _when(summary.peak_hour["start"]),
             "count": count_display(summary.peak_hour["count"])}  # fmt: skip
        facts.insert(7, (_("Busiest hour"), peak))
    lines += [_fact(label, value) for label, value in facts]
    if summary.top_authors:
        lines += ["", "### " + _("Most active authors"), ""]
        lines += [
            f"{index}. "
            + pgettext("a label and its value", "%(label)s:") % {"label": inline(row["author"])}
            + " "
            + ngettext("%(count)s signal", "%(count)s signals", row["signals"])
            % {"count": count_display(row["signals"])}
            + ", "
            + _("reach %(reach)s") % {"reach": count_display(row["reach"])}
            for index, row in enumerate(summary.top_authors, start=1)
        ]
    return [*lines, ""]


def _event_what(event, labels: dict[str, str]) -> str:
    if event.action in labels:
        what = labels[event.action]
    elif MACHINE_VALUE.fullmatch(event.action):
        what = f"`{event.action}`"
    else:
        what = cell(event.action)
    if event.to_status:
        states = dict(Incident._meta.get_field("status").choices)
        after = states.get(event.to_status, event.to_status)
        what += f" ({states.get(event.from_status, EMPTY)} → {after})" if event.from_status else ""
    fields = [name for name in event.changes if name != "status"]
    if fields and event.action != "incident.created":
        model = event_model(event.action)  # the incident, or its communication or action
        names = ", ".join(_field(model, name) for name in fields)
        what += " · " + _("changed: %(fields)s") % {"fields": names}
    return what


def _field(model, name: str) -> str:
    try:
        return str(model._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return inline(name)


def _timeline(data: ReportData) -> list[str]:
    lines = ["## " + _("Timeline"), ""]
    if not data.events:
        return [*lines, _("No events."), ""]
    labels = _event_labels()
    rows = [
        [
            str(event.sequence),
            _when(event.at),
            cell(event.actor.username) if event.actor else _("system"),
            _event_what(event, labels),
            cell(event.note),
        ]
        for event in data.events
    ]
    lines.append(table(["#", _("When"), _("Who"), _("What"), _("Note")], rows))
    lines[-1] += _capped(
        len(data.events),
        data.events_total,
        _(
            "Only the first %(shown)s of the %(total)s events are shown here; the timeline "
            "of the API has them all."
        ),
    )
    return [*lines, ""]


def _communications(data: ReportData) -> list[str]:
    lines = ["## " + _("Communications published"), ""]
    if not data.communications:
        return [*lines, _("None was published."), ""]
    for index, communication in enumerate(data.communications, start=1):
        heading = " · ".join(
            [
                communication.get_channel_display(),
                communication.get_audience_display(),
                communication.get_language_display(),
            ]
        )
        lines += [f"### {index}. {heading}", ""]
        facts = [
            (
                _("Published"),
                _("%(when)s by %(who)s")
                % {
                    "when": _when(communication.published_at),
                    "who": inline(getattr(communication.published_by, "username", EMPTY)),
                },
            )
        ]
        if communication.approved_at:
            facts.insert(
                0,
                (
                    _("Approved"),
                    _("%(when)s by %(who)s")
                    % {
                        "when": _when(communication.approved_at),
                        "who": inline(getattr(communication.approved_by, "username", EMPTY)),
                    },
                ),
            )
        if communication.url:
            facts.append((_("Where"), inline(communication.url)))
        if communication.withdrawn_at:
            facts.append(
                (
                    _("Withdrawn"),
                    _labelled(
                        _when(communication.withdrawn_at),
                        inline(communication.withdrawal_reason) or EMPTY,
                    ),
                )
            )
        lines += [_fact(label, value) for label, value in facts]
        lines += ["", quote(communication.body), ""]
    if data.communications_total > len(data.communications):
        message = _("Only the first %(shown)s of the %(total)s communications published are shown.")
        lines += [_capped(len(data.communications), data.communications_total, message).strip()]
    return lines


def _actions(data: ReportData) -> list[str]:
    lines = ["## " + _("Actions and compensations"), ""]
    if not data.actions:
        return [*lines, _("No actions were recorded."), ""]
    rows = [
        [
            action.get_kind_display(),
            cell(action.title),
            action.get_status_display(),
            cell(action.owner.username if action.owner else ""),
            _when(action.due_at),
            money_display(action.amount, action.currency) if action.amount is not None else EMPTY,
        ]
        for action in data.actions
    ]
    header = [_("Kind"), _("Title"), _("Status"), _("Owner"), _("Due"), _("Amount")]
    lines.append(table(header, rows))
    lines[-1] += _capped(
        len(data.actions),
        data.actions_total,
        _("Only the first %(shown)s of the %(total)s actions are shown."),
    )
    if data.compensations:
        lines += ["", "**" + _("Compensations offered (not cancelled)") + "**", ""]
        lines += [f"- {money_display(a, c)}" for c, a in data.compensations.items()]
    return [*lines, ""]


def _resolution(incident: Incident) -> list[str]:
    lines = ["## " + _("Resolution"), ""]
    if not incident.resolution:
        return [*lines, _("Not resolved yet."), ""]
    lines += [f"**{incident.get_resolution_display()}**", "", block(incident.resolution_summary)]
    original = incident.duplicate_of
    if original is not None and getattr(incident, "duplicate_of_visible", False):
        lines += ["", _("A duplicate of %(reference)s.") % {"reference": original.reference}]
    return [*lines, ""]


def _review(incident: Incident) -> list[str]:
    lines = ["## " + _("Post-incident review"), ""]
    review = getattr(incident, "review_record", None)
    if review is None:
        return [*lines, _("Not reviewed yet."), ""]
    lines += [
        "*"
        + _("Reviewed by %(who)s on %(when)s")
        % {"who": inline(review.reviewed_by.username), "when": _when(incident.reviewed_at)}
        + "*",
        "",
    ]
    parts = [
        (_("Summary"), review.summary),
        (_("Root cause"), review.root_cause),
        (_("What went well"), review.what_went_well),
        (_("What went wrong"), review.what_went_wrong),
        (_("Lessons learned"), review.lessons_learned),
    ]
    for heading, text in parts:
        lines += [f"### {heading}", "", block(text) or EMPTY, ""]
    lines += ["### " + _("Follow-up actions"), ""]
    lines += [f"- {inline(item)}" for item in review.follow_up_actions] or [_("None.")]
    lines += ["", "### " + _("Metrics at the review"), ""]
    if not review.metrics:
        return [*lines, _("Not measured (reviewed before the metrics were kept)."), ""]
    lines.append(
        table([_("Measure"), _("Value")], [list(row) for row in metric_rows(review.metrics)])
    )
    return [*lines, ""]


def report_markdown(data: ReportData, *, reader, now: datetime | None = None) -> str:
    """The report of `data.incident`, for `reader`, in the active language."""
    now = now or timezone.now()
    incident = data.incident
    sections = [
        _header(incident, now, reader),
        _summary(incident),
        _assessment(incident),
        _signals(data),
        _timeline(data),
        _communications(data),
        _actions(data),
        _resolution(incident),
        _review(incident),
    ]
    return "\n\n".join("\n".join(section).strip() for section in sections) + "\n"


def report_filename(incident: Incident) -> str:
    """The file name the report downloads as (the reference is ASCII: CR-2026-0042)."""
    return f"{incident.reference}.md"
