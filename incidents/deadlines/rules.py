"""The two deadlines of an incident and their states, as Python values and as queries.

Both deadlines count from `assessed_at`, by the severity policy in force when the incident was
assessed or re-rated: the response (met by the first response start, `first_response_at`) and
the resolution (met by `resolved_at`). A dismissal ends both, met or missed by its time.

A state depends on the clock, so it is never stored: what is stored are the instants it turns
on (due, at risk, ended), and the state is read from them and the application's clock
(`django.utils.timezone.now()`, never the database's `now()`), so that a frozen clock in tests
means one thing in Python and in SQL. `state()` and `state_q()` are the same rule, twice; a
test holds them together.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# Sorts incidents without a deadline after all others, so a cursor never meets a NULL.
FAR_FUTURE = datetime(9999, 12, 31, tzinfo=UTC)
# A deadline is at risk once this share of its window has passed (now ≥ start + 3/4 window).
AT_RISK_NUMERATOR, AT_RISK_DENOMINATOR = 3, 4


class DeadlineState(models.TextChoices):
    """Where a deadline stands now."""

    PENDING = "pending", pgettext_lazy("deadline state", "Pending")
    ON_TRACK = "on_track", pgettext_lazy("deadline state", "On track")
    AT_RISK = "at_risk", pgettext_lazy("deadline state", "At risk")
    BREACHED = "breached", pgettext_lazy("deadline state", "Breached")
    MET = "met", pgettext_lazy("deadline state", "Met")
    MISSED = "missed", pgettext_lazy("deadline state", "Missed")


@dataclass(frozen=True)
class Deadline:
    """A deadline as shown: when it falls due (None until assessed) and its state now."""

    due_at: datetime | None
    state: DeadlineState


@dataclass(frozen=True)
class DeadlineKind:
    """One of the incident's deadlines: the fields it is read from, its event and its label.

    `ended_by` are the fields whose first non-null value ends the deadline, in order: the
    response ends with its first start or, failing that, with a dismissal's `resolved_at` (an
    incident with `resolved_at` and no `first_response_at` was dismissed: resolving needs a
    response first, and reopening sets `first_response_at`).
    """

    name: str
    label: object
    breached_label: object
    due_field: str
    at_risk_field: str
    ended_by: tuple[str, ...]
    breach_recorded_field: str

    @property
    def breach_event(self) -> str:
        return f"incident.{self.name}_deadline_breached"

    # --- one incident ---------------------------------------------------------------------

    def ended_at(self, incident) -> datetime | None:
        return next(
            (value for f in self.ended_by if (value := getattr(incident, f)) is not None), None
        )

    def deadline(self, incident, now: datetime) -> Deadline:
        due = getattr(incident, self.due_field)
        return Deadline(
            due,
            state(
                due_at=due,
                at_risk_at=getattr(incident, self.at_risk_field),
                ended_at=self.ended_at(incident),
                now=now,
            ),
        )

    # --- queries --------------------------------------------------------------------------

    def open_q(self) -> Q:
        """Assessed, and not ended yet."""
        return Q(**{f"{self.due_field}__isnull": False}) & Q(
            **{f"{f}__isnull": True for f in self.ended_by}
        )

    def _ended_q(self, lookup: str) -> Q:
        """Ended at a time that compares with the due time by `lookup` (lte: met, gt: missed)."""
        found = Q(pk__in=[])
        for index, name in enumerate(self.ended_by):
            earlier_unset = {f"{f}__isnull": True for f in self.ended_by[:index]}
            found |= Q(**earlier_unset, **{f"{name}__{lookup}": F(self.due_field)})
        return found

    def state_q(self, states, now: datetime) -> Q:
        """Incidents whose deadline is in any of `states` at `now`."""
        due, at_risk = self.due_field, self.at_risk_field
        conditions = {
            DeadlineState.PENDING: lambda: Q(**{f"{due}__isnull": True}),
            DeadlineState.ON_TRACK: lambda: self.open_q() & Q(**{f"{at_risk}__gt": now}),
            DeadlineState.AT_RISK: lambda: (
                self.open_q() & Q(**{f"{at_risk}__lte": now, f"{due}__gte": now})
            ),
            DeadlineState.BREACHED: lambda: self.open_q() & Q(**{f"{due}__lt": now}),
            DeadlineState.MET: lambda: self._ended_q("lte"),
            DeadlineState.MISSED: lambda: self._ended_q("gt"),
        }
        found = Q(pk__in=[])
        for name in dict.fromkeys(states):
            found |= conditions[DeadlineState(name)]()
        return found

    def unrecorded_breach_q(self, now: datetime) -> Q:
        """Breached at `now`, and its breach not yet recorded in the event log."""
        return self.state_q([DeadlineState.BREACHED], now) & Q(
            **{f"{self.breach_recorded_field}__isnull": True}
        )


RESPONSE = DeadlineKind(
    name="response",
    label=pgettext_lazy("deadline", "Response"),
    breached_label=_("Response deadline breached"),
    due_field="response_due_at",
    at_risk_field="response_at_risk_at",
    ended_by=("first_response_at", "resolved_at"),
    breach_recorded_field="response_breach_recorded_at",
)
RESOLUTION = DeadlineKind(
    name="resolution",
    label=pgettext_lazy("deadline", "Resolution"),
    breached_label=_("Resolution deadline breached"),
    due_field="resolution_due_at",
    at_risk_field="resolution_at_risk_at",
    ended_by=("resolved_at",),
    breach_recorded_field="resolution_breach_recorded_at",
)
DEADLINES = {kind.name: kind for kind in (RESPONSE, RESOLUTION)}


def state(
    *,
    due_at: datetime | None,
    at_risk_at: datetime | None,
    ended_at: datetime | None,
    now: datetime,
) -> DeadlineState:
    """The state of one deadline at `now` (the rule that `DeadlineKind.state_q` queries)."""
    if due_at is None:
        return DeadlineState.PENDING
    if ended_at is not None:
        return DeadlineState.MET if ended_at <= due_at else DeadlineState.MISSED
    if now > due_at:
        return DeadlineState.BREACHED
    if at_risk_at is not None and now >= at_risk_at:
        return DeadlineState.AT_RISK
    return DeadlineState.ON_TRACK


def at_risk_point(start: datetime, due: datetime) -> datetime:
    """When a deadline from `start` to `due` becomes at risk: 3/4 of the way."""
    return start + (due - start) * AT_RISK_NUMERATOR / AT_RISK_DENOMINATOR


def next_due_order() -> Coalesce:
    """`next_due_at`, the incidents without one last: what `?ordering=next_due_at` sorts by."""
    return Coalesce("next_due_at", models.Value(FAR_FUTURE, output_field=models.DateTimeField()))


# Stored instants derived from the incident's other fields (Incident.save keeps them right).
DERIVED_FIELDS = ("response_at_risk_at", "resolution_at_risk_at", "next_due_at")


def derived_values(incident) -> dict[str, datetime | None]:
    """The stored instants that filters and ordering compare, from the incident's fields.

    `next_due_at` is the nearest deadline not yet met or ended (None when there is none).
    """
    values: dict[str, datetime | None] = {}
    open_dues = []
    for kind in DEADLINES.values():
        due = getattr(incident, kind.due_field)
        start = incident.assessed_at
        values[kind.at_risk_field] = (
            at_risk_point(start, due) if due is not None and start is not None else None
        )
        if due is not None and kind.ended_at(incident) is None:
            open_dues.append(due)
    values["next_due_at"] = min(open_dues, default=None)
    return values
