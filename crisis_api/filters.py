"""Strict, bounded query filters every list endpoint reuses (django-filter).

Each refuses what it cannot use with a 400 instead of ignoring it: an unknown user, a value
that is not true or false, a date-time out of range, too many values, too long a text.
"""

from datetime import UTC

import django_filters
from django import forms
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field

from crisis_api.fields import (
    USERNAME_MAX_LENGTH,
    active_users_named,
    has_control_characters,
)

QUERY_TEXT = 200  # a text parameter (`q`), in characters
QUERY_VALUES = 20  # values of one repeated parameter (`?owner=a&owner=b…`)


def _check_count(values) -> None:
    if len(values) > QUERY_VALUES:
        raise forms.ValidationError(
            _("Repeat this parameter at most %(count)d times."),
            code="too_many",
            params={"count": QUERY_VALUES},
        )


class _BoundedMultipleChoiceField(forms.MultipleChoiceField):
    """Values from a fixed list, repeated at most QUERY_VALUES times. A value refused is
    quoted short and printable: the answer never echoes a long or binary parameter back."""

    def validate(self, value):
        _check_count(value)
        for item in value:
            if not self.valid_value(item):
                shown = "".join(c if c.isprintable() else "?" for c in str(item)[:50])
                raise forms.ValidationError(
                    _("%(value)s is not one of the values allowed: %(choices)s."),
                    code="invalid_choice",
                    params={
                        "value": shown + ("…" if len(str(item)) > 50 else ""),
                        "choices": ", ".join(str(key) for key, _label in self.choices),
                    },
                )
        super().validate(value)


class _UsernamesField(forms.MultipleChoiceField):
    """Usernames of active users, resolved in one query; unknown ones are a 400."""

    def validate(self, value):
        _check_count(value)
        for name in value:
            if not name or len(name) > USERNAME_MAX_LENGTH or has_control_characters(name):
                raise forms.ValidationError(_("Give usernames."), code="invalid")

    def clean(self, value):
        names = super().clean(value)
        if not names:
            return []
        users, unknown = active_users_named(names)
        if unknown:
            raise forms.ValidationError(
                _("No active user has these usernames: %(names)s."),
                code="unknown",
                params={"names": ", ".join(unknown)},
            )
        return users


class _UtcDateTimeField(forms.Field):
    """An ISO 8601 date-time with its offset, converted to UTC so any database can compare it.

    A naive date-time or a bare date is refused, as in request bodies: the caller knows its
    offset, the server does not. PostgreSQL refuses offsets beyond ±15:59 (UTC has none) and
    SQLite's conversion overflows near years 1 and 9999 (a 400 here instead of a 500 there).
    """

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            # ASCII only: Python's \d also reads other scripts' digits (٢٠٢٦ as 2026).
            parsed = parse_datetime(value.strip()) if len(value) <= 64 and value.isascii() else None
        except ValueError:  # well formed but impossible: month 13, offset +99:00
            parsed = None
        if parsed is None or timezone.is_naive(parsed):
            raise forms.ValidationError(
                _("Give an ISO 8601 date-time with its offset, e.g. 2026-11-25T10:00:00+01:00."),
                code="invalid",
            )
        try:
            return parsed.astimezone(UTC)
        except OverflowError:
            raise forms.ValidationError(
                _("Out of range; give a date-time between years 1 and 9999.")
            ) from None


class UtcDateTimeFilter(django_filters.IsoDateTimeFilter):
    """`?created_after=2026-11-25T10:00:00+01:00`, compared in UTC."""

    field_class = _UtcDateTimeField


class BoundedMultipleChoiceFilter(django_filters.MultipleChoiceFilter):
    """`?name=a&name=b` matches any of the values (at most QUERY_VALUES of them)."""

    field_class = _BoundedMultipleChoiceField


@extend_schema_field({"type": "string", "maxLength": USERNAME_MAX_LENGTH})  # each value
class UsernamesFilter(django_filters.MultipleChoiceFilter):
    """`?owner=alice&owner=bob`: any of these users; naming an unknown one is a 400.

    `field_name` is the user foreign key.
    """

    field_class = _UsernamesField

    def filter(self, queryset, users):
        return queryset.filter(**{f"{self.field_name}__in": users}) if users else queryset


@extend_schema_field({"type": "string", "maxLength": QUERY_TEXT})
class BoundedCharFilter(django_filters.CharFilter):
    """A text parameter of at most QUERY_TEXT characters."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, max_length=QUERY_TEXT, **kwargs)


class _StrictBooleanField(forms.NullBooleanField):
    """true/false (or 1/0); anything else is an error rather than silently no filter."""

    widget = forms.TextInput  # the default select widget turns unknown values into None
    values = {"true": True, "1": True, "false": False, "0": False}

    def to_python(self, value):
        if value in (None, ""):
            return None
        try:
            return self.values[str(value).lower()]
        except KeyError:
            raise forms.ValidationError(_("Use true or false."), code="invalid") from None


class StrictBooleanFilter(django_filters.BooleanFilter):
    """A boolean query parameter that refuses other values."""

    field_class = _StrictBooleanField


class FilterSet(django_filters.FilterSet):
    """django-filter's FilterSet, holding only the filters the query names.

    django-filter deep-copies every filter, then builds a form and deep-copies a field for each
    (choices, widgets included) on every request: a tenth of a list's time when the query names
    none, the common case. A filter the query does not name filters nothing (its value is
    empty), so leaving it out changes no answer; the schema still reads every filter from the
    class.
    """

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        if data is not None and prefix is None:
            self.base_filters = {
                name: found for name, found in type(self).base_filters.items() if name in data
            }
        super().__init__(data, queryset, request=request, prefix=prefix)
