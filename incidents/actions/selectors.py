"""Reads on actions: visible ones, an incident's list, and the summary the incident shows."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db.models import BigIntegerField, Count, F, OuterRef, QuerySet, Sum
from django.db.models.functions import Cast, Coalesce, Round

from crisis_api.expressions import JSONRows
from crisis_api.models import Event
from incidents.actions.models import Action, Kind, Status, overdue_q
from incidents.models import Incident
from incidents.selectors import incidents_visible_to

CENT = Decimal("0.01")


def actions_visible_to(user) -> QuerySet[Action]:
    """Actions of the incidents this user may see (the incidents' confidentiality rule)."""
    return Action.objects.filter(incident__in=incidents_visible_to(user))


def with_related(actions: QuerySet[Action]) -> QuerySet[Action]:
    """Everything ActionSerializer reads, in the same query."""
    return actions.select_related("owner", "created_by")


def incident_actions(*, incident: Incident) -> QuerySet[Action]:
    """An incident's actions, oldest first, ready to serialise."""
    return with_related(Action.objects.filter(incident=incident))


def action_events(*, action: Action) -> QuerySet[Event]:
    """The events about one action, on its incident's stream."""
    events = Event.objects.filter(stream=action.stream, data__action_id=str(action.pk))
    return events.select_related("actor")


@dataclass
class CompensationTotal:
    """Compensations in one currency: their total, how many, and the people they cover."""

    currency: str
    total: Decimal
    count: int
    beneficiaries: int = 0


# An amount in whole cents: an integer on every database. SQLite keeps decimals as floating
# point, where a sum of amounts would lose cents.
CENTS = Cast(Round(F("amount") * 100), BigIntegerField())


def _amount(cents: int | None) -> Decimal:
    return (Decimal(cents or 0) * CENT).quantize(CENT)


def compensation_totals(actions: QuerySet[Action]) -> list[CompensationTotal]:
    """The compensations among `actions` that are not cancelled (what was offered or paid),
    totalled per currency in one query: the one rule the summary, the review's snapshot, the
    report and the team metrics share."""
    rows = (
        actions.filter(kind=Kind.COMPENSATION)
        .exclude(status=Status.CANCELLED)
        .values("currency")
        .annotate(
            cents=Sum(CENTS), count=Count("pk"), beneficiaries=Coalesce(Sum("beneficiaries"), 0)
        )
        .order_by("currency")
    )
    return [
        CompensationTotal(
            row["currency"], _amount(row["cents"]), row["count"], row["beneficiaries"]
        )
        for row in rows
    ]


@dataclass
class ActionsSummary:
    """An incident's actions counted by status; compensations totalled per currency.

    `overdue` counts open actions past their due time. Compensation totals count the open and
    done ones (what was offered or paid), never the cancelled ones.
    """

    open: int = 0
    done: int = 0
    cancelled: int = 0
    overdue: int = 0
    compensation: list[CompensationTotal] = field(default_factory=list)


def _summary_rows(actions: QuerySet[Action], now: datetime, *group) -> QuerySet:
    """`actions` counted per (*group, status, currency): how many, how many overdue at `now`,
    their amounts in whole cents (CENTS, as in compensation_totals)."""
    return (
        actions.values(*group, "status", "currency")
        .annotate(
            count=Count("pk"),
            overdue=Count("pk", filter=overdue_q(now)),
            cents=Sum(CENTS),
        )
        .order_by()
    )


def _summarise(rows) -> ActionsSummary:
    """An ActionsSummary from the rows of `_summary_rows`: (status, currency, count, overdue,
    cents) each."""
    summary = ActionsSummary()
    money: dict = defaultdict(lambda: [0, 0])  # currency -> [cents, count]
    for status, currency, count, overdue, cents in rows:
        setattr(summary, status, getattr(summary, status) + count)
        summary.overdue += overdue
        if currency and status != Status.CANCELLED:
            totals = money[currency]
            totals[0] += cents or 0
            totals[1] += count
    summary.compensation = [
        CompensationTotal(currency, _amount(cents), count)
        for currency, (cents, count) in sorted(money.items())
    ]
    return summary


SUMMARY_COLUMNS = ("status", "currency", "count", "overdue", "cents")


def actions_summaries(*, incident_ids, now: datetime) -> dict:
    """incident id -> ActionsSummary for each of `incident_ids`: one grouped query for all."""
    incident_ids = list(incident_ids)
    rows: dict = {pk: [] for pk in incident_ids}
    if incident_ids:
        actions = Action.objects.filter(incident_id__in=incident_ids)
        for row in _summary_rows(actions, now, "incident_id"):
            rows[row["incident_id"]].append([row[column] for column in SUMMARY_COLUMNS])
    return {pk: _summarise(incident_rows) for pk, incident_rows in rows.items()}


def actions_summary_column(*, now: datetime) -> JSONRows:
    """The rows of the outer incident's ActionsSummary at `now`, as a column of its row (the
    same grouped rows as `actions_summaries`): read it with `actions_summary_from_column`."""
    actions = Action.objects.filter(incident_id=OuterRef("pk"))
    return JSONRows(_summary_rows(actions, now), SUMMARY_COLUMNS)


def actions_summary_from_column(rows: list) -> ActionsSummary:
    """The ActionsSummary of `actions_summary_column`'s value."""
    return _summarise(rows)


def actions_summary(*, incident: Incident, now: datetime) -> ActionsSummary:
    """One incident's ActionsSummary (one query)."""
    return actions_summaries(incident_ids=[incident.pk], now=now)[incident.pk]


def open_actions_count(*, incident: Incident) -> int:
    """How many of the incident's actions are still open."""
    return Action.objects.filter(incident=incident, status=Status.OPEN).count()
