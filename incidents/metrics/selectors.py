"""Reads: the team's figures over a period, in a fixed number of queries whatever the data.

Everything counts the incidents detected in the period that the user may see (managers see
every one), and what is attached to them: their signals, communications and compensations.
One aggregate query counts the incidents (by status, severity, category and scope, and the
state of each deadline, with conditional counts), sums their signals (the totals ingestion
keeps on each incident) and, on PostgreSQL, computes the percentiles of the four times; SQLite
reads the incidents' timestamps instead (one more query) and computes them in Python. Then one
query each for the incidents per week, the communications and the compensations.
"""

from collections import defaultdict
from dataclasses import asdict
from datetime import datetime, timedelta

from django.db import connection
from django.db.models import Count, DecimalField, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncWeek
from django.utils import timezone

from incidents.actions.models import Action
from incidents.actions.selectors import compensation_totals
from incidents.communications.models import Communication
from incidents.communications.models import Status as CommunicationStatus
from incidents.deadlines.rules import DEADLINES, DeadlineState
from incidents.metrics.durations import (
    DURATIONS,
    ROW_FIELDS,
    PercentilesCont,
    python_cuts,
    stats,
)
from incidents.metrics.period import Period
from incidents.models import Category, Incident, Scope, Severity, Status
from incidents.selectors import incidents_visible_to

# The key of incidents with no severity (not assessed) or no scope (not given).
NONE = "none"
SEVERITY_KEYS = (*Severity.values, NONE)
SCOPE_KEYS = (*Scope.values, NONE)
# Counts by field: the values counted (every one, zeros included), and the stored value of each.
BREAKDOWNS = {
    "by_status": ("status", Status.values),
    "by_severity": ("severity", SEVERITY_KEYS),
    "by_category": ("category", Category.values),
    "by_scope": ("scope", SCOPE_KEYS),
}
AMOUNT = DecimalField(max_digits=30, decimal_places=2)  # room for any sum of amounts


def _stored(value: str) -> str:
    return "" if value == NONE else value


def _severity_q(key: str | None) -> Q:
    return Q() if key is None else Q(severity=_stored(key))


def metrics_incidents(*, user, period: Period) -> QuerySet[Incident]:
    """The incidents the figures count: detected in the period, visible to the user."""
    return incidents_visible_to(user).filter(
        detected_at__gte=period.start, detected_at__lt=period.end
    )


def team_metrics(*, user, period: Period, now: datetime | None = None) -> dict:
    """Every figure of the period as plain values (MetricsSerializer renders them)."""
    now = now or timezone.now()
    incidents = metrics_incidents(user=user, period=period)
    on_postgres = connection.vendor == "postgresql"
    counted = incidents.aggregate(**_count_aggregates(now), **_percentile_aggregates(on_postgres))
    return {
        "period": {"from": period.start, "to": period.end},
        "incidents_counted": "all" if user.has_perm("incidents.view_confidential_incident")
        else "visible",
        "incidents": {
            "total": counted["total"],
            **{
                name: {key: counted[f"{name}:{key}"] for key in keys}
                for name, (_field, keys) in BREAKDOWNS.items()
            },
        },
        "durations": (
            _durations_from_sql(counted) if on_postgres else _durations_from_rows(incidents)
        ),
        "deadlines": {
            kind: _compliance({state: counted[f"{kind}:{state}"] for state in DeadlineState.values})
            for kind in DEADLINES
        },
        "per_week": _per_week(incidents, period),
        "signals": {
            name: counted[name] for name in ("signals", "reach", "incidents_with_signals")
        },
        "communications": _communications(incidents),
        "compensations": _compensations(incidents),
    }  # fmt: skip


# What the conditional counts count (Django's Count("*") takes no filter): a column that is
# never null and that the index on the detection time holds, so the index alone answers.
COUNTED = "detected_at"


def _count_aggregates(now: datetime) -> dict:
    aggregates = {
        "total": Count("*"),
        # Each incident's signal totals, which ingestion keeps on the incident.
        "signals": Coalesce(Sum("signal_count"), 0),
        "reach": Coalesce(Sum("signal_reach"), 0),
        "incidents_with_signals": Count(COUNTED, filter=Q(signal_count__gt=0)),
    }
    for name, (field, keys) in BREAKDOWNS.items():
        for key in keys:
            aggregates[f"{name}:{key}"] = Count(COUNTED, filter=Q(**{field: _stored(key)}))
    for kind_name, kind in DEADLINES.items():
        for state in DeadlineState.values:
            aggregates[f"{kind_name}:{state}"] = Count(COUNTED, filter=kind.state_q([state], now))
    return aggregates


def _compliance(states: dict) -> dict:
    """The counts by state, and the share of ended or overdue deadlines that were met."""
    judged = states["met"] + states["missed"] + states["breached"]
    return {**states, "compliance": round(states["met"] / judged, 4) if judged else None}


# --- durations --------------------------------------------------------------------------------


def _percentile_aggregates(on_postgres: bool) -> dict:
    if not on_postgres:
        return {}
    aggregates = {}
    for duration in DURATIONS:
        seconds = duration.seconds_expression()
        for key in (None, *SEVERITY_KEYS):
            where = duration.condition() & _severity_q(key)
            prefix = f"{duration.name}:{key or 'all'}"
            aggregates[f"{prefix}:count"] = Count(seconds, filter=where)
            aggregates[f"{prefix}:cuts"] = PercentilesCont(seconds, filter=where)
    return aggregates


def _durations_from_sql(counted: dict) -> dict:
    def one(prefix):
        return stats(counted[f"{prefix}:count"], counted[f"{prefix}:cuts"])

    return {
        duration.name: {
            **one(f"{duration.name}:all"),
            "by_severity": {key: one(f"{duration.name}:{key}") for key in SEVERITY_KEYS},
        }
        for duration in DURATIONS
    }


def _durations_from_rows(incidents: QuerySet[Incident]) -> dict:
    measured = {d.name: defaultdict(list) for d in DURATIONS}
    for row in incidents.order_by().values("severity", *ROW_FIELDS):
        for duration in DURATIONS:
            seconds = duration.seconds(row)
            if seconds is not None:
                measured[duration.name][row["severity"] or NONE].append(seconds)

    def one(values):
        return stats(len(values), python_cuts(sorted(values)))

    return {
        duration.name: {
            **one([s for values in measured[duration.name].values() for s in values]),
            "by_severity": {key: one(measured[duration.name][key]) for key in SEVERITY_KEYS},
        }
        for duration in DURATIONS
    }


# --- per week and attached records ------------------------------------------------------------


def _week_start(moment: datetime) -> datetime:
    local = timezone.localtime(moment)
    monday = local.date() - timedelta(days=local.weekday())
    return timezone.make_aware(datetime.combine(monday, datetime.min.time()))


def _per_week(incidents: QuerySet[Incident], period: Period) -> list[dict]:
    """Incidents detected each week (Monday to Sunday, the service's time zone), zeros included."""
    counts = {
        row["week"].date(): row["count"]
        for row in incidents.order_by()
        .annotate(week=TruncWeek("detected_at"))
        .values("week")
        .annotate(count=Count("*"))
    }
    weeks, week = [], _week_start(period.start)
    while week < period.end:
        weeks.append({"week": week.date(), "incidents": counts.get(week.date(), 0)})
        week = _week_start(week + timedelta(days=7, hours=12))  # a DST change moves no Monday
    return weeks


def _communications(incidents: QuerySet[Incident]) -> dict:
    published = Communication.objects.filter(
        incident__in=incidents.values("pk"), published_at__isnull=False
    )
    return published.aggregate(
        published=Count("pk"),
        retracted=Count("pk", filter=Q(status=CommunicationStatus.WITHDRAWN)),
        incidents_with_publications=Count("incident", distinct=True),
    )


def _compensations(incidents: QuerySet[Incident]) -> list[dict]:
    actions = Action.objects.filter(incident__in=incidents.values("pk"))
    return [asdict(total) for total in compensation_totals(actions)]
