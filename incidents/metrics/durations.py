"""The four measured times of an incident, and their median and 90th percentile.

Percentiles interpolate linearly between the closest ranks, the definition of PostgreSQL's
`percentile_cont`: on PostgreSQL they are computed in SQL, on SQLite (which has no such
aggregate) in Python with `statistics.quantiles(method="inclusive")`, which gives the same
values; a test holds the two together on a dataset with known results.
"""

import statistics
from dataclasses import dataclass

from django.contrib.postgres.fields import ArrayField
from django.db.models import Aggregate, F, FloatField, Func, Q
from django.utils.translation import gettext_lazy as _

from incidents.models import Resolution

# The fractions reported, in this order (the SQL aggregate and the Python code both read it).
FRACTIONS = (0.5, 0.9)
# Seconds are reported to the millisecond, so both computations print the same figure.
DECIMALS = 3


@dataclass(frozen=True)
class Duration:
    """A time from detection to a later instant of the incident's lifecycle."""

    name: str
    label: object
    end_field: str
    # Only incidents with this resolution count (time to resolve: not dismissals).
    resolution: str = ""

    def seconds(self, row: dict) -> float | None:
        """This duration of one incident (`row` holds its fields), None when not measured."""
        end = row[self.end_field]
        if end is None or (self.resolution and row["resolution"] != self.resolution):
            return None
        return (end - row["detected_at"]).total_seconds()

    def seconds_expression(self):
        """The same in SQL (PostgreSQL): NULL when not measured.

        `date_part` answers in double precision; EXTRACT answers in numeric, which made the
        percentiles of a year of incidents take half again as long.
        """
        return Func(
            F(self.end_field) - F("detected_at"),
            template="date_part('epoch', %(expressions)s)",
            output_field=FloatField(),
        )

    def condition(self) -> Q:
        return Q(resolution=self.resolution) if self.resolution else Q()


DURATIONS = (
    Duration("time_to_assess", _("Time to assess"), "assessed_at"),
    Duration("time_to_first_response", _("Time to first response"), "first_response_at"),
    Duration(
        "time_to_first_public_response",
        _("Time to first public response"),
        "first_public_response_at",
    ),
    Duration(
        "time_to_resolve", _("Time to resolve"), "resolved_at", resolution=Resolution.RESOLVED
    ),
)
# The fields a row needs for every duration (SQLite reads them; see `seconds`).
ROW_FIELDS = ("detected_at", "resolution", *(d.end_field for d in DURATIONS))


class PercentilesCont(Aggregate):
    """`percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY …)`: PostgreSQL only."""

    function = "percentile_cont"
    template = "%(function)s(%(fractions)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = ArrayField(FloatField())

    def __init__(self, expression, **extra):
        fractions = ", ".join(repr(float(f)) for f in FRACTIONS)
        super().__init__(expression, fractions=f"ARRAY[{fractions}]::double precision[]", **extra)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, DECIMALS)


def stats(count: int, cuts) -> dict:
    """`{"count", "median", "p90"}` from a count and the cut points at FRACTIONS (or None)."""
    median, p90 = cuts or (None, None)
    return {"count": count, "median": _round(median), "p90": _round(p90)}


def python_cuts(values: list[float]) -> tuple[float, float] | None:
    """The values at FRACTIONS by linear interpolation (`percentile_cont`), None when empty."""
    if not values:
        return None
    if len(values) == 1:  # statistics.quantiles needs two points before Python 3.13
        return values[0], values[0]
    deciles = statistics.quantiles(values, n=10, method="inclusive")
    return tuple(deciles[round(f * 10) - 1] for f in FRACTIONS)
