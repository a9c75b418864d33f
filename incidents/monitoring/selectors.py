"""Reads: an incident's signals, their summary and the assessment they suggest.

The summary and the suggestion are aggregate queries, a fixed number whatever the count of
signals; only the coordinated-campaign check reads rows, those of the few clusters big enough
to qualify, reduced to one row per author and minute.
"""

import math
from collections import Counter, deque
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import TruncHour
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from incidents.models import Category, Channel, Impact, Incident, Scope, Severity
from incidents.monitoring.models import (
    Signal,
    SignalAuthorTally,
    SignalClusterTally,
    SignalTally,
)

HOURS_SHOWN = 48
# The figures a suggestion reports (the API's AssessmentSuggestionSerializer shows them).
FIGURES = (
    "signals", "authors", "reach", "platforms", "last_hour", "previous_hour", "with_sentiment",
    "negative_share", "largest_copy_burst",
)  # fmt: skip
TOP_AUTHORS = 10


def incident_signals(*, incident: Incident) -> QuerySet[Signal]:
    """The incident's signals, ready to serialise (one query per page)."""
    return Signal.objects.filter(incident_id=incident.pk).select_related("received_from")


def _rules() -> dict:
    return settings.ASSESSMENT_SUGGESTION


def _hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


@dataclass
class SignalsSummary:
    count: int
    authors: int
    reach: int
    engagement: int
    platforms: dict[str, int]
    languages: dict[str, int]
    first_observed_at: datetime | None
    last_observed_at: datetime | None
    peak_hour: dict | None
    per_hour: list[dict]
    negative_share: float | None
    near_duplicate_share: float | None
    top_authors: list[dict]
    # What the suggestion needs too.
    with_sentiment: int = 0
    negative: int = 0


def signals_summary(*, incident: Incident, now: datetime | None = None) -> SignalsSummary:
    """Counts, reach, platforms, languages, hours, sentiment, copies and top authors.

    Read from the tallies the ingestion keeps (four small queries, whatever the number of
    signals): the incident's hours by platform and language (from which the totals, the
    platforms, the languages and the hours are summed here), its authors (counted, and the
    top ten through an index), and its text clusters written by two authors or more.
    """
    now = now or timezone.now()
    groups = list(
        SignalTally.objects.filter(incident_id=incident.pk).values(
            "hour", "platform", "language", "signals", "reach", "engagement", "with_sentiment",
            "negative", "first_observed_at", "last_observed_at",
        )
    )  # fmt: skip
    count = sum(group["signals"] for group in groups)
    platforms, languages, hourly = Counter(), Counter(), Counter()
    for group in groups:
        platforms[group["platform"]] += group["signals"]
        if group["language"]:
            languages[group["language"]] += group["signals"]
        hourly[group["hour"]] += group["signals"]
    authors = SignalAuthorTally.objects.filter(incident_id=incident.pk)
    top = authors.order_by("-signals", "-reach", "author").values("author", "signals", "reach")
    copied = (
        SignalClusterTally.objects.filter(incident_id=incident.pk, low_author__isnull=False)
        .exclude(low_author=F("high_author"))
        .aggregate(total=Sum("signals"))["total"]
        or 0
    )
    peak = max(hourly.items(), key=lambda item: (item[1], item[0]), default=None)
    start = _hour(now) - timedelta(hours=HOURS_SHOWN - 1)
    per_hour = [
        {"start": start + timedelta(hours=i), "count": hourly.get(start + timedelta(hours=i), 0)}
        for i in range(HOURS_SHOWN)
    ]
    with_sentiment = sum(group["with_sentiment"] for group in groups)
    negative = sum(group["negative"] for group in groups)
    return SignalsSummary(
        count=count,
        authors=authors.count(),
        reach=sum(group["reach"] for group in groups),
        engagement=sum(group["engagement"] for group in groups),
        platforms=_largest_first(platforms),
        languages=_largest_first(languages),
        first_observed_at=min((group["first_observed_at"] for group in groups), default=None),
        last_observed_at=max((group["last_observed_at"] for group in groups), default=None),
        peak_hour={"start": peak[0], "count": peak[1]} if peak else None,
        per_hour=per_hour,
        negative_share=round(negative / with_sentiment, 4) if with_sentiment else None,
        near_duplicate_share=round(copied / count, 4) if count else None,
        top_authors=list(top[:TOP_AUTHORS]),
        with_sentiment=with_sentiment,
        negative=negative,
    )


def _largest_first(counts: Counter) -> dict[str, int]:
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


@dataclass
class Reason:
    code: str
    message: str


@dataclass
class AssessmentSuggestion:
    scope: str | None
    severity: str | None
    reasons: list[Reason]
    figures: dict


def _campaign(incident: Incident, count: int) -> dict | None:
    """The burst of near-identical text with the most distinct authors within one window.

    Candidates are the clusters holding at least the share of signals that counts, written by
    two authors or more (one query). A window of 120 minutes lies within three consecutive
    hours, and holds at most as many authors as signals: the hourly counts (one query) bound
    every window, and rows are read only where a bound could beat what is already found —
    first the busiest three hours, then (if no window there reaches the threshold) every
    three hours whose bound reaches it (one query each, at most two).
    """
    rules = _rules()
    signals = Signal.objects.filter(incident_id=incident.pk, cluster__isnull=False)
    candidates = dict(
        SignalClusterTally.objects.filter(
            incident_id=incident.pk,
            signals__gte=max(1, math.ceil(rules["coordinated_share"] * count)),
            low_author__isnull=False,
        )
        .exclude(low_author=F("high_author"))
        .values_list("cluster_id", "signals")
    )
    if not candidates:
        return None
    hourly = Counter(
        {
            (row["cluster_id"], row["hour"]): row["n"]
            for row in signals.filter(cluster_id__in=candidates)
            .exclude(author="")
            .annotate(hour=TruncHour("observed_at"))
            .values("cluster_id", "hour")
            .annotate(n=Count("id"))
            .order_by()
        }
    )
    spans = sorted(
        (
            (sum(hourly[(cluster, hour + timedelta(hours=i))] for i in range(3)), cluster, hour)
            for cluster, hour in hourly
        ),
        key=lambda span: (-span[0], span[1], span[2]),
    )
    window = timedelta(minutes=rules["coordinated_window_minutes"])
    best = _busiest_window(signals, spans[:1], window, candidates, count)
    found = best["authors"] if best else 0
    if found < rules["coordinated_authors"]:
        wanted = [s for s in spans[1:] if s[0] >= rules["coordinated_authors"] and s[0] > found]
        if wanted:
            other = _busiest_window(signals, wanted, window, candidates, count)
            if other and other["authors"] > found:
                best = other
    return best


def _busiest_window(signals, spans, window, candidates, count) -> dict | None:
    """The window of `window` with the most distinct authors, among those starting within the
    given three-hour spans (one query for their rows)."""
    ranges = Q(pk__in=[])
    for _bound, cluster, hour in spans:
        ranges |= Q(cluster_id=cluster, observed_at__gte=hour,
                    observed_at__lt=hour + timedelta(hours=3))  # fmt: skip
    rows = (
        signals.filter(ranges)
        .exclude(author="")
        .values_list("cluster_id", "observed_at", "author")
        .order_by("cluster_id", "observed_at")
    )
    best = None
    current, in_window, authors = None, deque(), Counter()
    for cluster_id, moment, author in rows.iterator(chunk_size=5000):
        minute = moment.replace(second=0, microsecond=0)
        if cluster_id != current:
            current, in_window, authors = cluster_id, deque(), Counter()
        in_window.append((minute, author))
        authors[author] += 1
        while in_window[0][0] < minute - window:
            _old, gone = in_window.popleft()
            authors[gone] -= 1
            if not authors[gone]:
                del authors[gone]
        if best is None or len(authors) > best["authors"]:
            best = {
                "cluster": cluster_id,
                "signals": candidates[cluster_id],
                "share": round(candidates[cluster_id] / count, 4),
                "authors": len(authors),
                "window_start": in_window[0][0],
                "window_end": minute,
            }
    return best


def assessment_suggestion(
    *, incident: Incident, summary: SignalsSummary | None = None, now: datetime | None = None
) -> AssessmentSuggestion:
    """Scope and severity the signals suggest, with the reasons and figures (never applied)."""
    now = now or timezone.now()
    rules = _rules()
    summary = summary or signals_summary(incident=incident, now=now)
    reasons: list[Reason] = []
    floor = _severity_floor(incident, reasons)
    if not summary.count:
        reasons.insert(0, Reason("no_signals", _("No signals yet: nothing to go on.")))
        figures = dict.fromkeys(FIGURES, 0) | {"negative_share": None, "largest_copy_burst": None}
        return AssessmentSuggestion(scope=None, severity=floor, reasons=reasons, figures=figures)
    last_hour, previous_hour = _recent_counts(incident, now)
    campaign = _campaign(incident, summary.count)
    coordinated = campaign is not None and campaign["authors"] >= rules["coordinated_authors"]
    figures = {
        "signals": summary.count,
        "authors": summary.authors,
        "reach": summary.reach,
        "platforms": len(summary.platforms),
        "last_hour": last_hour,
        "previous_hour": previous_hour,
        "with_sentiment": summary.with_sentiment,
        "negative_share": summary.negative_share,
        "largest_copy_burst": campaign,
    }
    scope = _scope(summary, campaign, coordinated, last_hour, previous_hour, reasons)
    severity = _severity(summary, scope, reasons)
    order = list(Severity.values)
    if floor and order.index(severity) < order.index(floor):
        severity = floor
    elif floor:  # the floor is met anyway: say why it matters only when it raises
        reasons[:] = [r for r in reasons if not r.code.startswith("floor_")]
    return AssessmentSuggestion(scope=scope, severity=severity, reasons=reasons, figures=figures)


def _recent_counts(incident: Incident, now: datetime) -> tuple[int, int]:
    hour = timedelta(minutes=60)
    counts = Signal.objects.filter(
        incident_id=incident.pk, observed_at__gt=now - 2 * hour, observed_at__lte=now
    ).aggregate(
        last=Count("id", filter=Q(observed_at__gt=now - hour)),
        previous=Count("id", filter=Q(observed_at__lte=now - hour)),
    )
    return counts["last"], counts["previous"]


def _scope(summary, campaign, coordinated, last_hour, previous_hour, reasons) -> str:
    rules = _rules()
    if coordinated:
        minutes = rules["coordinated_window_minutes"]
        reasons.append(
            Reason(
                "coordinated",
                _(
                    "%(authors)d distinct authors posted near-identical text within "
                    "%(minutes)d minutes; that text is %(share)d%% of the %(count)d signals."
                )
                % {
                    "authors": campaign["authors"],
                    "minutes": minutes,
                    "share": round(campaign["share"] * 100),
                    "count": summary.count,
                },
            )
        )
        return Scope.COORDINATED
    spreading = False
    if len(summary.platforms) >= rules["spreading_platforms"]:
        spreading = True
        reasons.append(
            Reason(
                "many_platforms",
                _("Signals come from %(count)d platforms: %(platforms)s.")
                % {
                    "count": len(summary.platforms),
                    "platforms": ", ".join(str(Channel(p).label) for p in summary.platforms),
                },
            )
        )
    if (
        last_hour >= rules["spreading_last_hour_minimum"]
        and last_hour >= rules["spreading_growth"] * previous_hour
    ):
        spreading = True
        reasons.append(
            Reason(
                "growing",
                _(
                    "%(last)d signals in the last 60 minutes against %(previous)d in the 60 "
                    "minutes before: it is growing."
                )
                % {"last": last_hour, "previous": previous_hour},
            )
        )
    if spreading:
        return Scope.SPREADING
    reasons.append(
        Reason(
            "isolated",
            ngettext(
                "%(count)d signal from %(authors)d author(s) on %(platforms)d platform, "
                "not growing: isolated.",
                "%(count)d signals from %(authors)d author(s) on %(platforms)d platform(s), "
                "not growing: isolated.",
                summary.count,
            )
            % {
                "count": summary.count,
                "authors": summary.authors,
                "platforms": len(summary.platforms),
            },
        )
    )
    return Scope.ISOLATED


def _severity(summary: SignalsSummary, scope: str, reasons: list[Reason]) -> str:
    rules = _rules()
    reach = summary.reach
    if reach:
        reasons.append(
            Reason(
                "reach",
                _("A total reach of %(reach)s people.")
                % {"reach": number_format(reach, force_grouping=True)},
            )
        )
    negative = (
        summary.with_sentiment >= rules["negative_minimum_signals"]
        and summary.negative / summary.with_sentiment >= rules["negative_share"]
    )
    if negative:
        reasons.append(
            Reason(
                "negative",
                _("%(share)d%% of the %(count)d signals with a sentiment are negative.")
                % {
                    "share": round(100 * summary.negative / summary.with_sentiment),
                    "count": summary.with_sentiment,
                },
            )
        )
    if reach >= rules["reach_critical"]:
        return Severity.CRITICAL
    if reach >= rules["reach_high"] or scope == Scope.COORDINATED or negative:
        return Severity.HIGH
    if reach >= rules["reach_medium"] or scope == Scope.SPREADING:
        return Severity.MEDIUM
    return Severity.LOW


def _severity_floor(incident: Incident, reasons: list[Reason]) -> str | None:
    """`high` at least for a data leak or a safety impact, whatever the signals say."""
    if incident.category == Category.DATA_LEAK:
        reasons.append(Reason("floor_data_leak", _("A data leak is never suggested below high.")))
        return Severity.HIGH
    if Impact.SAFETY in (incident.impact or []):
        reasons.append(Reason("floor_safety", _("A safety impact is never suggested below high.")))
        return Severity.HIGH
    return None
