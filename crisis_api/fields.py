"""Strict input fields: JSON types are checked, not coerced, and every value is bounded.

DRF's stock fields turn `123` into `"123"`, `"yes"` into True, `"12"` into 12 and `5` into a
UUID; they accept integers a database column cannot hold and naive date-times. The fields
below refuse all of that with a message saying what to send, and declare their bounds
(`maxLength`, `maxItems`, `minimum`, `maximum`) so the OpenAPI schema shows them.
"""

import json
import math
import re
import unicodedata
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.validators import URLValidator
from django.db.backends.base.operations import BaseDatabaseOperations
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

# Date-times before this are refused: nothing this service records happened earlier.
EARLIEST_DATETIME = datetime(2000, 1, 1, tzinfo=UTC)
# Usernames are at most this long (django.contrib.auth's column).
USERNAME_MAX_LENGTH = 150
# Characters a single-line value must not hold: control characters (Cc: NUL, tab, newline,
# escape, DEL…), the Unicode line and paragraph separators, and the invisible characters that
# make text show other than it reads: direction embeddings, overrides and isolates
# (U+202A-202E, U+2066-2069) and the byte-order mark. Joiners and LRM/RLM stay: emoji and
# right-to-left names need them.
_NOT_SINGLE_LINE = {"Cc", "Zl", "Zp"}
_INVISIBLE_CONTROLS = {*map(chr, range(0x202A, 0x202F)), *map(chr, range(0x2066, 0x206A)), "\ufeff"}


def integer_range(model_field) -> tuple[int, int]:
    """The (minimum, maximum) a model's integer column holds, the same on every database."""
    return BaseDatabaseOperations.integer_field_ranges[model_field.get_internal_type()]


def fail(field: serializers.Field, key: str, **params) -> None:
    """Raise `field`'s error message `key`, filled with gettext-style `%(name)s` parameters.

    DRF's own `fail()` fills messages with `str.format`, which translated text avoids.
    """
    raise serializers.ValidationError(field.error_messages[key] % params, code=key)


def active_users_named(names) -> tuple[list, list[str]]:
    """(the active users with these usernames, in the order given, the unknown names): one query.

    Repeated names count once. Serializer fields and query filters both resolve usernames here.
    """
    names = list(dict.fromkeys(names))
    by_name = {
        user.username: user
        for user in get_user_model().objects.filter(is_active=True, username__in=names)
    }
    return [by_name[n] for n in names if n in by_name], [n for n in names if n not in by_name]


def has_control_characters(value: str) -> bool:
    """True when `value` holds a control character, a line separator or a direction override."""
    return any(
        char in _INVISIBLE_CONTROLS or unicodedata.category(char) in _NOT_SINGLE_LINE
        for char in value
    )


def single_line(value: str) -> str:
    """`value` made a valid single line: control characters, line separators and direction
    overrides dropped, whitespace runs collapsed (for titles made from free text)."""
    kept = "".join(
        " " if char in "\t\n\r" else char
        for char in value
        if char in "\t\n\r"
        or not (char in _INVISIBLE_CONTROLS or unicodedata.category(char) in _NOT_SINGLE_LINE)
    )
    return " ".join(kept.split())


# Letters and symbols that Unicode draws as nothing (Hangul fillers, the braille blank).
_BLANK_LOOKALIKES = {"\u115f", "\u1160", "\u3164", "\uffa0", "\u2800"}


def has_visible_characters(value: str) -> bool:
    """True when `value` holds something a reader sees (not only spaces and invisible marks)."""
    return any(
        unicodedata.category(char)[0] not in "ZC" and char not in _BLANK_LOOKALIKES
        for char in value
    )


class StrictCharField(serializers.CharField):
    """A JSON string with a maximum length; numbers and booleans are refused, not converted.

    NUL is refused too (DRF's null-character validator): PostgreSQL text cannot hold it.
    """

    default_error_messages = {"invalid": _("Give a string.")}

    def __init__(self, *, max_length: int, **kwargs):
        super().__init__(max_length=max_length, **kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class SingleLineCharField(StrictCharField):
    """A one-line string (a title, a name, a reference): no control characters."""

    default_error_messages = {
        "control_character": _(
            "Remove the control characters (line breaks, tabs, NUL, direction overrides…); "
            "this is a single line."
        )
    }

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if has_control_characters(value):
            self.fail("control_character")
        return value


class StrictBooleanField(serializers.BooleanField):
    """JSON `true` or `false` only: `"yes"`, `1` and `"true"` are refused."""

    default_error_messages = {"invalid": _("Give true or false (JSON booleans).")}

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer within the range of its column: not a string, a float or a boolean.

    Give `model_field` (the column it is stored in) and the range follows it; `min_value`
    can narrow it (e.g. 0 for a count).
    """

    default_error_messages = {"invalid": _("Give a whole number (a JSON integer, not a string).")}

    def __init__(self, *, model_field=None, min_value=None, max_value=None, **kwargs):
        if model_field is not None:
            low, high = integer_range(model_field)
            min_value = low if min_value is None else max(min_value, low)
            max_value = high if max_value is None else min(max_value, high)
        if min_value is None or max_value is None:
            raise TypeError("StrictIntegerField needs model_field, or min_value and max_value.")
        super().__init__(min_value=min_value, max_value=max_value, **kwargs)

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return data


class StrictUUIDField(serializers.UUIDField):
    """A UUID written as a string; a number is refused (DRF would read 5 as UUID int 5)."""

    default_error_messages = {
        "invalid": _('Give a UUID as a string, e.g. "9b2f0c1e-6a57-4a39-9a51-1f1c8d3c2a10".')
    }

    def to_internal_value(self, data):
        if not isinstance(data, str) or len(data) > 45:  # longest form: urn:uuid:…
            self.fail("invalid")
        return super().to_internal_value(data)


class BoundedListField(serializers.ListField):
    """A JSON array with at most `max_length` items (shown as `maxItems` in the schema).

    The length is checked before any item is: a list of 100,000 items costs one comparison.
    """

    default_error_messages = {"not_a_list": _("Give a JSON array (a list of values).")}

    def __init__(self, *, max_length: int, **kwargs):
        super().__init__(max_length=max_length, **kwargs)

    def to_internal_value(self, data):
        if isinstance(data, list) and len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        return super().to_internal_value(data)


class AwareDateTimeField(serializers.DateTimeField):
    """An ISO 8601 date-time with its UTC offset, from 2000 to a few minutes from now.

    A naive date-time is refused rather than taken as UTC: the caller knows its offset, the
    server does not. The allowed clock skew is the `INPUT_MAX_CLOCK_SKEW` setting.
    """

    default_error_messages = {
        "invalid": _("Give an ISO 8601 date-time with its offset, e.g. 2026-11-25T10:00:00+01:00."),
        "naive": _("Add the UTC offset (e.g. +01:00 or Z): a date-time without one is ambiguous."),
        "too_early": _("Give a date-time on or after %(earliest)s."),
        "in_future": _(
            "This date-time is in the future; give one no later than now (clocks may differ "
            "by %(minutes)s minutes at most)."
        ),
        "too_late": _("Give a date-time at most %(days)s days from now."),
    }

    def __init__(self, *, max_future: timedelta | None = None, **kwargs):
        # max_future: how far ahead a date-time may fall (a due date), instead of the skew.
        self.max_future = max_future
        kwargs.setdefault(
            "help_text",
            _("ISO 8601 with a UTC offset, from 2000-01-01 to now."),
        )
        super().__init__(**kwargs)

    def to_internal_value(self, value):
        if not isinstance(value, str) or len(value) > 64:
            self.fail("invalid")
        try:
            parsed = parse_datetime(value.strip())
        except ValueError:  # well formed but impossible: month 13, offset +99:00
            parsed = None
        if parsed is None:
            self.fail("invalid")
        if timezone.is_naive(parsed):
            self.fail("naive")
        try:
            parsed = parsed.astimezone(UTC)
        except OverflowError:  # year 1 or 9999 pushed out of range by its offset
            self.fail("invalid")
        if parsed < EARLIEST_DATETIME:
            fail(self, "too_early", earliest=EARLIEST_DATETIME.date().isoformat())
        if self.max_future is not None:
            if parsed > timezone.now() + self.max_future:
                fail(self, "too_late", days=self.max_future.days)
            return parsed
        skew = settings.INPUT_MAX_CLOCK_SKEW
        if parsed > timezone.now() + skew:
            fail(self, "in_future", minutes=int(skew.total_seconds() // 60))
        return parsed


class UsernamesField(BoundedListField):
    """Active users named by username, all resolved in one query; every unknown name is listed.

    The value is the list of users, without repeats, in the order given.
    """

    default_error_messages = {
        "does_not_exist": _("No active user has these usernames: %(names)s."),
    }

    def __init__(self, *, max_length: int, **kwargs):
        kwargs.setdefault("child", SingleLineCharField(max_length=USERNAME_MAX_LENGTH))
        super().__init__(max_length=max_length, **kwargs)

    def to_internal_value(self, data):
        users, unknown = active_users_named(super().to_internal_value(data))
        if unknown:
            fail(self, "does_not_exist", names=", ".join(unknown))
        return users

    def to_representation(self, data):
        return [user.username for user in data]


class StrictNumberField(serializers.FloatField):
    """A JSON number (integer or decimal) between `min_value` and `max_value`: not a string, a
    boolean, NaN or an infinity."""

    default_error_messages = {"invalid": _("Give a number (a JSON number, not a string).")}

    def __init__(self, *, min_value: float, max_value: float, **kwargs):
        super().__init__(min_value=min_value, max_value=max_value, **kwargs)

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | float) or not math.isfinite(data):
            self.fail("invalid")
        if isinstance(data, int) and not -(2**53) <= data <= 2**53:  # beyond a float's precision
            self.fail("invalid")
        return super().to_internal_value(data)


class DecimalStringField(serializers.DecimalField):
    """A decimal number written as a JSON string in plain notation, e.g. `"1250.50"`.

    Money is never a JSON number (a float loses cents) nor an exponent (`"1e3"`), `NaN` or an
    infinity; at most `decimal_places` decimals, above `min_exclusive`, at most `max_value`.
    Only ASCII digits: `"١٢"` is not twelve here.
    """

    default_error_messages = {
        "not_a_string": _('Give the amount as a string, e.g. "1250.50" (not a JSON number).'),
        "not_plain": _(
            "Write the amount in plain digits with a dot and at most %(places)s decimals, "
            'e.g. "1250.50" (no sign, exponent, spaces or thousands separators).'
        ),
        "not_above": _("Give an amount above %(minimum)s."),
        "above_max": _("Give an amount of at most %(maximum)s."),
    }

    def __init__(self, *, max_digits: int, decimal_places: int, min_exclusive: Decimal,
                 max_value: Decimal, **kwargs):  # fmt: skip
        self.min_exclusive = min_exclusive
        self.plain_pattern = re.compile(rf"(0|[1-9][0-9]*)(\.[0-9]{{1,{decimal_places}}})?")
        super().__init__(max_digits=max_digits, decimal_places=decimal_places,
                         max_value=max_value, coerce_to_string=True, **kwargs)  # fmt: skip

    def validate_empty_values(self, data):
        if isinstance(data, str):  # DRF would take "" as null
            return (False, data)
        return super().validate_empty_values(data)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("not_a_string")
        # Digits are counted before Decimal parses: "9" * 100000 costs one comparison.
        if len(data) > self.max_digits + 1 or not self.plain_pattern.fullmatch(data):
            fail(self, "not_plain", places=self.decimal_places)
        value = Decimal(data)
        if value <= self.min_exclusive:
            fail(self, "not_above", minimum=self.min_exclusive)
        if value > self.max_value:
            fail(self, "above_max", maximum=self.max_value)
        return value.quantize(Decimal(1).scaleb(-self.decimal_places))


class HttpUrlField(SingleLineCharField):
    """An absolute http or https URL of at most `max_length` characters."""

    default_error_messages = {
        "invalid_url": _("Give an absolute http or https URL, e.g. https://example.com/post/1."),
    }

    def __init__(self, *, max_length: int, **kwargs):
        super().__init__(max_length=max_length, **kwargs)
        self.validators.append(
            URLValidator(schemes=["http", "https"], message=self.error_messages["invalid_url"])
        )

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        try:
            port = urlsplit(value).port  # out of range (65536, 99999) raises
        except ValueError:
            port = -1
        if port is not None and not 0 < port < 65536:
            self.fail("invalid_url")
        return value


class JsonObjectField(serializers.JSONField):
    """A JSON object of at most `max_bytes` bytes once encoded (UTF-8)."""

    default_error_messages = {
        "not_an_object": _("Give a JSON object."),
        "too_large": _("Keep this object under %(max_bytes)d bytes once encoded as JSON."),
        "nul": _("Remove the NUL characters (\\u0000) from this object; they cannot be stored."),
    }

    def __init__(self, *, max_bytes: int, **kwargs):
        self.max_bytes = max_bytes
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            fail(self, "not_an_object")
        encoded = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
        if len(encoded) > self.max_bytes:
            fail(self, "too_large", max_bytes=self.max_bytes)
        if b"\\u0000" in encoded:  # PostgreSQL's jsonb cannot hold NUL
            fail(self, "nul")
        return data
