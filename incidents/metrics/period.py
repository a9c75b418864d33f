"""The period metrics cover: `from` and `to` on detection time, checked and bounded.

Each bound is a date (`2026-03-01`, a whole day in the service's time zone) or an ISO 8601
date-time with its offset. The period is half-open, `from` ≤ detected_at < `to`; a date given
as `to` includes that day. Without `to` it ends now; without `from` it starts 90 days before
its end. The API and the admin page read it through the same serializer.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from crisis_api.fields import fail

DEFAULT_LENGTH = timedelta(days=90)
MAX_LENGTH = timedelta(days=5 * 365 + 2)  # five years, leap days included
EARLIEST = date(2000, 1, 1)
LATEST = date(2099, 12, 31)


@dataclass(frozen=True)
class Period:
    """Incidents detected from `start` (included) to `end` (excluded)."""

    start: datetime
    end: datetime


def default_period(now: datetime) -> Period:
    """The last 90 days up to `now`."""
    return Period(start=now - DEFAULT_LENGTH, end=now)


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min)).astimezone(UTC)


@extend_schema_field(
    {
        "type": "string",
        "maxLength": 64,
        "description": "A date (YYYY-MM-DD) or an ISO 8601 date-time with its UTC offset.",
        "example": "2026-01-01",
    }
)
class PeriodBoundField(serializers.Field):
    """A date (the value is a `date`) or an aware date-time (a `datetime` in UTC)."""

    default_error_messages = {
        "invalid": _(
            "Give a date (2026-03-01) or an ISO 8601 date-time with its offset "
            "(2026-03-01T00:00:00+01:00)."
        ),
        "naive": _("Add the UTC offset (e.g. +01:00 or Z): a date-time without one is ambiguous."),
        "out_of_range": _("Give a date from %(earliest)s to %(latest)s."),
    }

    def to_internal_value(self, data):
        if not isinstance(data, str) or len(data) > 64 or not data.isascii():
            self.fail("invalid")  # ASCII only: Python's parsers also take other scripts' digits
        text = data.strip()
        try:
            day = parse_date(text) if len(text) in (8, 10) else None  # 2026-03-01, 20260301
            moment = None if day else parse_datetime(text)
        except ValueError:  # well formed but impossible: month 13, offset +99:00
            day = moment = None
        if day is None and moment is None:
            self.fail("invalid")
        if moment is not None and timezone.is_naive(moment):
            self.fail("naive")
        if not EARLIEST <= (day or moment.date()) <= LATEST:
            fail(self, "out_of_range", earliest=EARLIEST.isoformat(), latest=LATEST.isoformat())
        return day if day is not None else moment.astimezone(UTC)

    def to_representation(self, value):
        return value.isoformat()


def _bound_field(help_text) -> PeriodBoundField:
    return PeriodBoundField(required=False, help_text=help_text)


class MetricsPeriodInputSerializer(serializers.Serializer):
    """`?from=…&to=…` (both optional); `validated_data` is a Period.

    Unknown query parameters are not refused (as in every list's filters); the context gives
    `now`, the one clock reading of the request.
    """

    def get_fields(self):
        return {
            "from": _bound_field(_("Detected on or after this (default: 90 days before `to`).")),
            "to": _bound_field(_("Detected before this; a date includes that day (default: now).")),
        }

    def validate(self, attrs):
        now = self.context["now"]
        end, start = attrs.get("to", now), attrs.get("from")
        if not isinstance(end, datetime):  # a date: up to the end of that day
            end = _start_of(end + timedelta(days=1))
        if start is None:  # 90 days before the end, not before the earliest date
            start = max(end - DEFAULT_LENGTH, _start_of(EARLIEST))
        elif not isinstance(start, datetime):
            start = _start_of(start)
        if start >= end:
            raise serializers.ValidationError({"to": [_("Give a `to` later than `from`.")]})
        if end - start > MAX_LENGTH:
            raise serializers.ValidationError(
                {"from": [_("Ask for at most 5 years (1,827 days): bring `from` and `to` closer.")]}
            )
        return Period(start=start, end=end)
