"""Signals in the admin: read-only signals, and the panels of the incident page.

The panels (summary with an hourly chart drawn on the server, latest signals, the suggestion)
are HTML fragments the incident admin shows; no external script.
"""

from django.contrib import admin
from django.db import models
from django.utils.formats import number_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import Truncator, capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from crisis_api.admin_display import EMPTY, ReadOnlyAdminMixin, datetime_display, titled
from incidents.models import Channel, Scope, Severity
from incidents.monitoring.models import Signal
from incidents.monitoring.selectors import AssessmentSuggestion, SignalsSummary
from incidents.selectors import incidents_visible_to

LATEST = 10
CHART_WIDTH, CHART_HEIGHT, CHART_BAR = 480, 72, 10


def _count(value: int) -> str:
    return number_format(value, force_grouping=True)


def hourly_chart(per_hour: list[dict]) -> str:
    """The hourly counts as an SVG bar chart, each bar titled with its hour and count."""
    peak = max((hour["count"] for hour in per_hour), default=0) or 1
    bars = []
    for index, hour in enumerate(per_hour):
        height = round(hour["count"] / peak * (CHART_HEIGHT - 2))
        label = ngettext(
            "%(hour)s: %(count)s signal", "%(hour)s: %(count)s signals", hour["count"]
        ) % {
            "hour": datetime_display(hour["start"]),
            "count": _count(hour["count"]),
        }
        bars.append(
            format_html(
                '<rect x="{}" y="{}" width="{}" height="{}" fill="#417690"><title>{}</title>'
                "</rect>",
                index * CHART_BAR,
                CHART_HEIGHT - height,
                CHART_BAR - 2,
                max(height, 0),
                label,
            )
        )
    width = len(per_hour) * CHART_BAR
    return format_html(
        '<svg class="crisis-hourly" role="img" aria-label="{}" viewBox="0 0 {} {}" '
        'width="{}" height="{}" xmlns="http://www.w3.org/2000/svg">'
        '<line x1="0" y1="{}" x2="{}" y2="{}" stroke="#999" stroke-width="1"/>{}</svg>'
        '<div class="crisis-hourly-axis"><span>{}</span><span>{}</span></div>',
        _("Signals per hour, the last 48 hours"),
        width,
        CHART_HEIGHT,
        width,
        CHART_HEIGHT,
        CHART_HEIGHT - 0.5,
        width,
        CHART_HEIGHT - 0.5,
        mark_safe("".join(bars)),  # each bar built by format_html above
        datetime_display(per_hour[0]["start"]) if per_hour else "",
        datetime_display(per_hour[-1]["start"]) if per_hour else "",
    )


def _counts(counts: dict, labels: dict | None = None) -> str:
    if not counts:
        return EMPTY
    return ", ".join(
        f"{(labels or {}).get(value, value)} ({_count(n)})" for value, n in counts.items()
    )


def summary_panel(summary: SignalsSummary) -> str:
    """The figures of the summary, the hourly chart and the top authors."""
    if not summary.count:
        return format_html("<p>{}</p>", _("No signals yet."))
    share = lambda value: EMPTY if value is None else f"{round(value * 100)} %"  # noqa: E731
    rows = [
        (_("signals"), _count(summary.count)),
        (_("distinct authors"), _count(summary.authors)),
        (_("reach"), _count(summary.reach)),
        (_("engagement"), _count(summary.engagement)),
        (_("platforms"), _counts(summary.platforms, dict(Channel.choices))),
        (_("languages"), _counts(summary.languages)),
        (_("first seen"), datetime_display(summary.first_observed_at)),
        (_("last seen"), datetime_display(summary.last_observed_at)),
        (
            _("busiest hour"),
            ngettext(
                "%(hour)s (%(count)s signal)",
                "%(hour)s (%(count)s signals)",
                summary.peak_hour["count"],
            )
            % {
                "hour": datetime_display(summary.peak_hour["start"]),
                "count": _count(summary.peak_hour["count"]),
            },
        ),
        (_("negative"), share(summary.negative_share)),
        (_("near-identical to another author's"), share(summary.near_duplicate_share)),
    ]
    figures = format_html_join("", "<dt>{}</dt><dd>{}</dd>", rows)
    authors = format_html_join(
        "",
        "<li>{} — {} · {}</li>",
        (
            (
                row["author"],
                ngettext("%(count)s signal", "%(count)s signals", row["signals"])
                % {"count": _count(row["signals"])},
                _("reach %(reach)s") % {"reach": _count(row["reach"])},
            )
            for row in summary.top_authors
        ),
    )
    return format_html(
        '<div class="crisis-signals-summary"><dl class="crisis-figures">{}</dl>{}'
        "<p><strong>{}</strong></p><ol>{}</ol></div>",
        figures,
        hourly_chart(summary.per_hour),
        _("Most active authors"),
        authors,
    )


def latest_signals_panel(signals) -> str:
    """The latest signals, each with a link to the post."""
    if not signals:
        return EMPTY
    rows = format_html_join(
        "",
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        (
            (
                datetime_display(signal.observed_at),
                signal.get_platform_display(),
                signal.author or EMPTY,
                Truncator(signal.content).chars(140),
                format_html(
                    '<a href="{}" target="_blank" rel="noopener noreferrer nofollow">{}</a>',
                    signal.url,
                    _("open"),
                )
                if signal.url
                else EMPTY,
            )
            for signal in signals
        ),
    )
    return format_html(
        '<div class="crisis-scroll"><table id="crisis-signals"><thead><tr><th>{}</th><th>{}</th>'
        "<th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>{}</tbody></table></div>",
        _("observed at"),
        _("platform"),
        _("author"),
        _("content"),
        _("link"),
        rows,
    )


def suggestion_panel(suggestion: AssessmentSuggestion) -> str:
    """The suggested scope and severity and the reasons a person can check."""
    scope = dict(Scope.choices).get(suggestion.scope, EMPTY)
    severity = dict(Severity.choices).get(suggestion.severity, EMPTY)
    reasons = format_html_join("", "<li>{}</li>", ((r.message,) for r in suggestion.reasons))
    return format_html(
        '<div class="crisis-suggestion" id="crisis-suggestion">'
        '<p class="crisis-suggestion-title"><strong>{}</strong></p>'
        '<dl class="crisis-figures"><dt>{}</dt><dd><strong>{}</strong></dd><dt>{}</dt>'
        "<dd><strong>{}</strong></dd></dl><ul>{}</ul><p>{}</p></div>",
        _("What the signals suggest"),
        capfirst(_("scope")),
        scope,
        capfirst(_("severity")),
        severity,
        reasons,
        _("A suggestion only: you decide."),
    )


@admin.register(Signal)
class SignalAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Signals as monitoring sent them: read-only (they are immutable)."""

    list_display = ("observed_at", "platform", "author", "content_excerpt", "incident")
    list_filter = (("platform", titled(admin.ChoicesFieldListFilter, gettext_lazy("platform"))),)
    search_fields = ("content", "author", "external_id")
    list_select_related = ("incident",)
    ordering = ("-observed_at", "-id")
    date_hierarchy = "observed_at"
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}  # Django 6's default

    @admin.display(description=gettext_lazy("content"))
    def content_excerpt(self, signal):
        return Truncator(signal.content).chars(100)

    def get_queryset(self, request):
        return super().get_queryset(request).filter(incident__in=incidents_visible_to(request.user))
