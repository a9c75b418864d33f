"""Query filters for the incident list (documented in the schema by drf-spectacular)."""

from datetime import UTC

import django_filters
from django import forms
from django.db.models import Q

from incidents.models import Category, Channel, Incident, Severity, Status
from incidents.selectors import any_channel_q, overdue_q


class _AnyValueMultipleField(forms.MultipleChoiceField):
    """A repeatable parameter whose values are not from a fixed list (usernames)."""

    def valid_value(self, value):
        return "\x00" not in value  # PostgreSQL text cannot hold NUL: a 400, not a 500


class _UtcDateTimeField(django_filters.fields.IsoDateTimeField):
    """An ISO 8601 date-time, converted to UTC so any database can compare it.

    PostgreSQL refuses offsets beyond ±15:59 (UTC has none) and SQLite's conversion
    overflows near years 1 and 9999 (a 400 here instead of a 500 there).
    """

    def to_python(self, value):
        result = super().to_python(value)
        try:
            return result.astimezone(UTC) if result is not None else None
        except OverflowError:
            message = "Out of range; give a date-time between years 1 and 9999."
            raise forms.ValidationError(message) from None


class UtcDateTimeFilter(django_filters.IsoDateTimeFilter):
    """`?created_after=2026-11-25T10:00:00+01:00`, compared in UTC."""

    field_class = _UtcDateTimeField


class MultipleValueFilter(django_filters.MultipleChoiceFilter):
    """`?name=a&name=b` matches any of the values."""

    field_class = _AnyValueMultipleField


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
            raise forms.ValidationError("Use true or false.", code="invalid") from None


class StrictBooleanFilter(django_filters.BooleanFilter):
    """A boolean query parameter that refuses other values."""

    field_class = _StrictBooleanField


class IncidentFilter(django_filters.FilterSet):
    """Filters of `GET /api/v1/incidents/`; repeat a parameter to match several values."""

    status = django_filters.MultipleChoiceFilter(choices=Status.choices)
    severity = django_filters.MultipleChoiceFilter(choices=Severity.choices)
    category = django_filters.MultipleChoiceFilter(choices=Category.choices)
    channel = django_filters.MultipleChoiceFilter(
        choices=Channel.choices, method="filter_channel", label="Channel (any of)"
    )
    owner = MultipleValueFilter(field_name="owner__username", label="Owner username (any of)")
    confidential = StrictBooleanFilter(field_name="is_confidential")
    overdue = StrictBooleanFilter(method="filter_overdue", label="Response overdue")
    created_after = UtcDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = UtcDateTimeFilter(field_name="created_at", lookup_expr="lt")
    updated_after = UtcDateTimeFilter(field_name="updated_at", lookup_expr="gte")
    updated_before = UtcDateTimeFilter(field_name="updated_at", lookup_expr="lt")
    q = django_filters.CharFilter(method="filter_text", label="Text in reference, title, summary")

    class Meta:
        model = Incident
        fields: list[str] = []

    def filter_channel(self, queryset, name, values):
        return queryset.filter(any_channel_q(values)) if values else queryset

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(overdue_q()) if value else queryset.exclude(overdue_q())

    def filter_text(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(reference__icontains=value) | Q(title__icontains=value) | Q(summary__icontains=value)
        )
