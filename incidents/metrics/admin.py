"""The metrics page of the managers' workspace: the API's figures for a period, with charts.

A custom admin view (config/urls.py mounts it at admin/metrics/ through the admin site, so
only those who may use the workspace open it), linked from the admin's home page and from the
incident list. The period is read by the API's own serializer; the charts are drawn on the
server (incidents.metrics.charts).
"""

from datetime import timedelta

from django.contrib import admin
from django.template.response import TemplateResponse
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from crisis_api.admin_display import EMPTY, datetime_display, duration_display
from crisis_api.clock import request_now
from incidents.deadlines.rules import DEADLINES
from incidents.metrics import charts
from incidents.metrics.durations import DURATIONS
from incidents.metrics.period import MetricsPeriodInputSerializer, default_period
from incidents.metrics.selectors import NONE, team_metrics
from incidents.models import Category, Scope, Severity, Status


def _severities(durations: dict) -> list[tuple[str, str]]:
    """The severities the charts show: all four, and "not assessed" when it has figures."""
    shown = list(Severity.choices)
    if any(figures["by_severity"][NONE]["count"] for figures in durations.values()):
        shown.append((NONE, pgettext("severity", "Not assessed")))
    return shown


def _rows(counts: dict, choices, none_label=None) -> list[tuple[str, int]]:
    rows = [(label, counts[value]) for value, label in choices]
    if none_label is not None:
        rows.append((none_label, counts[NONE]))
    return rows


def _duration_row(label, stats: dict) -> tuple:
    """A table row: label, incidents measured, median and 90th percentile (short, and in words
    for the cell's title)."""
    words = [duration_display(None if v is None else timedelta(seconds=v))
             for v in (stats["median"], stats["p90"])]  # fmt: skip
    return (label, charts.number(stats["count"]),
            charts.short_duration(stats["median"]), words[0],
            charts.short_duration(stats["p90"]), words[1])  # fmt: skip


def _share(value: float | None) -> str:
    return EMPTY if value is None else f"{round(value * 100)} %"


def _page_context(metrics: dict) -> dict:
    durations = metrics["durations"]
    severities = _severities(durations)
    incidents = metrics["incidents"]
    return {
        "durations": [
            {
                "label": duration.label,
                "figures": durations[duration.name],
                "chart": charts.duration_chart(duration, durations[duration.name], severities),
                "rows": [
                    _duration_row(_("All"), durations[duration.name]),
                    *(
                        _duration_row(label, durations[duration.name]["by_severity"][key])
                        for key, label in severities
                    ),
                ],
            }
            for duration in DURATIONS
        ],
        "compliance_chart": charts.compliance_chart(
            [(kind.label, metrics["deadlines"][name]) for name, kind in DEADLINES.items()]
        ),
        "compliance_legend": charts.compliance_legend(),
        "deadline_rows": [
            (kind.label, [charts.number(states[s]) for s in charts.STATE_COLOURS],
             _share(states["compliance"]))
            for name, kind in DEADLINES.items()
            if (states := metrics["deadlines"][name])
        ],
        "states": [state.label for state in charts.STATE_COLOURS],
        "duration_legend": charts.legend(
            [(charts.MEDIAN_COLOUR, _("median")), (charts.P90_COLOUR, _("90th percentile"))]
        ),
        "weeks_chart": charts.weeks_chart(metrics["per_week"]),
        "figures": {
            name: charts.number(value)
            for part in ("signals", "communications")
            for name, value in metrics[part].items()
        },
        "compensations": [
            {**row, "total": formats.number_format(row["total"], 2, force_grouping=True),
             "count": charts.number(row["count"]),
             "beneficiaries": charts.number(row["beneficiaries"])}
            for row in metrics["compensations"]
        ],
        "breakdowns": [
            (_("By status"), _rows(incidents["by_status"], Status.choices)),
            (_("By severity"), _rows(incidents["by_severity"], Severity.choices,
                                     pgettext("severity", "Not assessed"))),
            (_("By scope"), _rows(incidents["by_scope"], Scope.choices, _("Not given"))),
            (_("By category"), _rows(incidents["by_category"], Category.choices)),
        ],
    }  # fmt: skip


def metrics_view(request):
    """The metrics page (GET, with `from` and `to` as the API takes them)."""
    now = request_now(request)
    period = MetricsPeriodInputSerializer(data=request.GET, context={"now": now})
    errors = {} if period.is_valid() else period.errors
    chosen = default_period(now) if errors else period.validated_data
    metrics = team_metrics(user=request.user, period=chosen, now=now)
    context = {
        **admin.site.each_context(request),
        "title": _("Team metrics"),
        "metrics": metrics,
        "errors": {field: " ".join(messages) for field, messages in errors.items()},
        "values": {"from": request.GET.get("from", ""), "to": request.GET.get("to", "")},
        "period_start": datetime_display(chosen.start),
        "period_end": datetime_display(chosen.end),
        **_page_context(metrics),
    }
    return TemplateResponse(request, "admin/metrics/metrics.html", context)
