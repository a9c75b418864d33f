"""The metrics page's charts, drawn on the server as inline SVG (no script, no external file).

Each chart is an `<svg role="img">` named by its `<title>` and described by its `<desc>`; each
bar or segment carries its own `<title>` (a tooltip, and what a screen reader reads), and the
page shows the same figures in tables. Text takes the page's colour (`currentColor`), so the
charts read in the admin's light and dark themes.
"""

from datetime import date
from itertools import count

from django.utils import formats
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from incidents.deadlines.rules import DeadlineState
from incidents.metrics.durations import Duration

_ids = count(1)
MEDIAN_COLOUR, P90_COLOUR = "#417690", "#9fc5d8"
# Deadline states, in the order they are stacked, with their colours.
STATE_COLOURS = {
    DeadlineState.MET: "#2e7d32",
    DeadlineState.MISSED: "#ef6c00",
    DeadlineState.BREACHED: "#c62828",
    DeadlineState.AT_RISK: "#f9a825",
    DeadlineState.ON_TRACK: "#1565c0",
    DeadlineState.PENDING: "#9e9e9e",
}


def number(value) -> str:
    return formats.number_format(value, force_grouping=True)


def short_duration(seconds: float | None) -> str:
    """A duration in one unit, short enough for a bar: "45 min", "3.5 h", "2.1 d"."""
    if seconds is None:
        return "—"
    if seconds < 3600:
        return _("%(n)s min") % {"n": number(round(seconds / 60))}
    if seconds < 86400:
        return _("%(n)s h") % {"n": formats.number_format(round(seconds / 3600, 1), 1)}
    return _("%(n)s d") % {"n": formats.number_format(round(seconds / 86400, 1), 1)}


def _svg(css_class: str, width: int, height: int, title: str, desc: str, body) -> SafeString:
    """The chart's frame: accessible name and description, scaled to its container's width."""
    ident = f"crisis-chart-{next(_ids)}"
    return format_html(
        '<svg class="crisis-chart {}" role="img" aria-labelledby="{}-title {}-desc" '
        'viewBox="0 0 {} {}" preserveAspectRatio="xMinYMin meet" '
        'xmlns="http://www.w3.org/2000/svg"><title id="{}-title">{}</title>'
        '<desc id="{}-desc">{}</desc>{}</svg>',
        css_class, ident, ident, width, height, ident, title, ident, desc, body,
    )  # fmt: skip


def _join(parts) -> SafeString:
    return mark_safe("".join(parts))  # each part built by format_html


def _bar(x, y, width, height, colour, label) -> SafeString:
    return format_html(
        '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}</title></rect>',
        round(x, 1), round(y, 1), round(width, 1), round(max(height, 0), 1), colour, label,
    )  # fmt: skip


def _text(x, y, text, anchor="middle", size=11, weight="normal") -> SafeString:
    return format_html(
        '<text x="{}" y="{}" text-anchor="{}" font-size="{}" font-weight="{}" '
        'fill="currentColor">{}</text>',
        round(x, 1), round(y, 1), anchor, size, weight, text,
    )  # fmt: skip


def legend(items) -> SafeString:
    """A legend as HTML under a chart: a colour swatch and a label per item."""
    return format_html(
        '<ul class="crisis-legend">{}</ul>',
        format_html_join(
            "",
            '<li><span class="crisis-swatch" style="background:{}"></span>{}</li>',
            items,
        ),
    )


# --- durations by severity --------------------------------------------------------------------

DURATION_WIDTH, DURATION_HEIGHT, DURATION_PLOT = 340, 190, 130
_BASE = DURATION_PLOT + 20  # the axis


def _incidents(count: int) -> str:
    return ngettext("%(count)s incident", "%(count)s incidents", count) % {"count": number(count)}


def _duration_group(index, group, label, stats) -> list:
    left, bar = index * group + group * 0.08, group * 0.4
    parts = []
    for offset, name, colour, value in (
        (0, _("median"), MEDIAN_COLOUR, stats["median"]),
        (bar + 2, _("90th percentile"), P90_COLOUR, stats["p90"]),
    ):
        height = (value or 0) / (stats["peak"] or 1) * DURATION_PLOT
        tip = _("%(severity)s, %(figure)s: %(value)s (%(incidents)s)") % {
            "severity": label, "figure": name, "value": short_duration(value),
            "incidents": _incidents(stats["count"]),
        }  # fmt: skip
        parts.append(_bar(left + offset, _BASE - height, bar, height, colour, tip))
        if value is not None:
            parts.append(_text(left + offset + bar / 2, _BASE - height - 4, short_duration(value),
                               size=8.5))  # fmt: skip
    middle = index * group + group / 2
    parts.append(_text(middle, _BASE + 16, label))
    parts.append(_text(middle, _BASE + 30, "n = " + number(stats["count"]), size=9))
    return parts


def duration_chart(duration: Duration, figures: dict, severities: list[tuple[str, str]]):
    """Median and 90th percentile of one measured time, side by side for each severity."""
    by_severity = figures["by_severity"]
    peak = max((by_severity[key]["p90"] or 0 for key, _label in severities), default=0)
    group = DURATION_WIDTH / len(severities)
    parts = [
        format_html(
            '<line x1="0" y1="{}" x2="{}" y2="{}" stroke="currentColor" stroke-opacity="0.4"/>',
            _BASE + 0.5, DURATION_WIDTH, _BASE + 0.5,
        )
    ]  # fmt: skip
    for index, (key, label) in enumerate(severities):
        parts += _duration_group(index, group, label, {**by_severity[key], "peak": peak})
    if not figures["count"]:
        parts.append(_text(DURATION_WIDTH / 2, DURATION_PLOT / 2, _("No incident measured yet.")))
    desc = "; ".join(
        _("%(severity)s: median %(median)s, 90th percentile %(p90)s, %(incidents)s")
        % {
            "severity": label,
            "median": short_duration(by_severity[key]["median"]),
            "p90": short_duration(by_severity[key]["p90"]),
            "incidents": _incidents(by_severity[key]["count"]),
        }
        for key, label in severities
    )
    title = _("%(duration)s by severity") % {"duration": duration.label}
    return _svg("crisis-chart-durations", DURATION_WIDTH, DURATION_HEIGHT, title, desc,
                _join(parts))  # fmt: skip


# --- deadline compliance ----------------------------------------------------------------------

COMPLIANCE_WIDTH, COMPLIANCE_ROW = 400, 52


def _compliance_row(row: int, label, states: dict) -> tuple[list, str]:
    """A deadline's label, then its bar: a segment per state, its count inside when it fits."""
    total = sum(states[state] for state in STATE_COLOURS)
    y = row * COMPLIANCE_ROW + 16
    parts = [_text(0, y - 4, label, anchor="start", weight="bold")]
    x, shown = 0.0, []
    for state, colour in STATE_COLOURS.items():
        value = states[state]
        if not value:
            continue
        width = value / total * COMPLIANCE_WIDTH
        parts.append(_bar(x, y, width, 24, colour, f"{label}, {state.label}: {number(value)}"))
        if width >= 18:
            parts.append(
                format_html(
                    '<text x="{}" y="{}" text-anchor="middle" font-size="11" fill="#fff">{}'
                    "</text>",
                    round(x + width / 2, 1), y + 16, number(value),
                )
            )  # fmt: skip
        shown.append(f"{state.label} {number(value)}")
        x += width
    if not total:
        parts.append(_text(0, y + 16, _("No incidents."), anchor="start"))
    return parts, f"{label}: {', '.join(shown) or _('No incidents.')}"


def compliance_chart(deadlines: list[tuple[str, dict]]) -> SafeString:
    """One stacked bar per deadline: its incidents by state, as shares of the whole."""
    parts, described = [], []
    for row, (label, states) in enumerate(deadlines):
        row_parts, description = _compliance_row(row, label, states)
        parts += row_parts
        described.append(description)
    height = len(deadlines) * COMPLIANCE_ROW
    return _svg("crisis-chart-compliance", COMPLIANCE_WIDTH, height, _("Deadline compliance"),
                "; ".join(described), _join(parts))  # fmt: skip


def compliance_legend() -> SafeString:
    return legend((colour, state.label) for state, colour in STATE_COLOURS.items())


# --- incidents per week -----------------------------------------------------------------------

WEEKS_WIDTH, WEEKS_HEIGHT, WEEKS_PLOT = 480, 140, 100


def _week(day: date) -> str:
    return formats.date_format(day, "SHORT_DATE_FORMAT")


def weeks_chart(weeks: list[dict]) -> SafeString:
    """Incidents detected each week, a bar per week, with the scale's top and the first and
    last weeks named under the axis."""
    peak = max((week["incidents"] for week in weeks), default=0)
    slot = (WEEKS_WIDTH - 30) / max(len(weeks), 1)
    parts = [
        format_html(
            '<line x1="30" y1="{}" x2="{}" y2="{}" stroke="currentColor" stroke-opacity="0.4"/>',
            WEEKS_PLOT + 4.5, WEEKS_WIDTH, WEEKS_PLOT + 4.5,
        ),
        _text(26, 12, number(peak), anchor="end", size=12),
        _text(26, WEEKS_PLOT + 4, "0", anchor="end", size=12),
    ]  # fmt: skip
    for index, week in enumerate(weeks):
        height = week["incidents"] / (peak or 1) * (WEEKS_PLOT - 6)
        tip = _("Week of %(week)s: %(incidents)s") % {
            "week": _week(week["week"]), "incidents": _incidents(week["incidents"]),
        }  # fmt: skip
        parts.append(
            _bar(30 + index * slot + slot * 0.1, WEEKS_PLOT + 4 - height, slot * 0.8, height,
                 MEDIAN_COLOUR, tip)
        )  # fmt: skip
    if weeks:
        parts.append(_text(30, WEEKS_PLOT + 24, _week(weeks[0]["week"]), anchor="start", size=12))
        parts.append(
            _text(WEEKS_WIDTH, WEEKS_PLOT + 24, _week(weeks[-1]["week"]), anchor="end", size=12)
        )
    total = sum(week["incidents"] for week in weeks)
    desc = _("Weeks from %(first)s to %(last)s: %(incidents)s, at most %(peak)s in one week.") % {
        "first": _week(weeks[0]["week"]) if weeks else "—",
        "last": _week(weeks[-1]["week"]) if weeks else "—",
        "incidents": _incidents(total), "peak": number(peak),
    }  # fmt: skip
    return _svg("crisis-chart-weeks", WEEKS_WIDTH, WEEKS_HEIGHT, _("Incidents detected per week"),
                desc, _join(parts))  # fmt: skip
