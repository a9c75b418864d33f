"""Query filters for the incident list (documented in the schema by drf-spectacular)."""

from datetime import UTC

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field

from crisis_api.fields import USERNAME_MAX_LENGTH, has_line_breaking_characters
from incidents.api import bounds
from incidents.models import Category, Channel, Incident, Severity, Status
from incidents.selectors import any_channel_q, overdue_q


def _check_count(values) -> None:
    if len(values) > bounds.QUERY_VALUES:
        raise forms.ValidationError(
            _("Repeat this parameter at most %(count)d times.") % {"count": bounds.QUERY_VALUES},
            code="too_many",
        )


class _BoundedMultipleChoiceField(forms.MultipleChoiceField):
    """Values from a fixed list, repeated at most QUERY_VALUES times."""

    def validate(self, value):
        _check_count(value)
        super().validate(value)


class _UsernamesField(forms.MultipleChoiceField):
    """Usernames of active users, resolved in one query; unknown ones are a 400."""

    def validate(self, value):
        _check_count(value)
        for name in value:
            if len(name) > USERNAME_MAX_LENGTH or has_line_breaking_characters(name):
                raise forms.ValidationError(_("Give usernames."), code="invalid")

    def clean(self, value):
        names = list(dict.fromkeys(super().clean(value)))
        if not names:
            return []
        users = list(get_user_model().objects.filter(is_active=True, username__in=names))
        unknown = sorted(set(names) - {user.username for user in users})
        if unknown:
            raise forms.ValidationError(
                _("No active user has these usernames: %(names)s.") % {"names": ", ".join(unknown)},
                code="unknown",
            )
        return users


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


@extend_schema_field({"type": "string", "maxLength": bounds.QUERY_TEXT})
class BoundedCharFilter(django_filters.CharFilter):
    """A text parameter of at most QUERY_TEXT characters."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, max_length=bounds.QUERY_TEXT, **kwargs)


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


class IncidentFilter(django_filters.FilterSet):
    """Filters of `GET /api/v1/incidents/`; repeat a parameter to match several values."""

    status = BoundedMultipleChoiceFilter(choices=Status.choices)
    severity = BoundedMultipleChoiceFilter(choices=Severity.choices)
    category = BoundedMultipleChoiceFilter(choices=Category.choices)
    channel = BoundedMultipleChoiceFilter(
        choices=Channel.choices, method="filter_channel", label=_("Channel (any of)")
    )
    owner = UsernamesFilter(field_name="owner", label=_("Owner username (any of)"))
    confidential = StrictBooleanFilter(field_name="is_confidential")
    overdue = StrictBooleanFilter(method="filter_overdue", label=_("Response overdue"))
    created_after = UtcDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = UtcDateTimeFilter(field_name="created_at", lookup_expr="lt")
    updated_after = UtcDateTimeFilter(field_name="updated_at", lookup_expr="gte")
    updated_before = UtcDateTimeFilter(field_name="updated_at", lookup_expr="lt")
    q = BoundedCharFilter(method="filter_text", label=_("Text in reference, title, summary"))

    class Meta:
        model = Incident
        fields: list[str] = []

    def filter_channel(self, queryset, name, values):
        return queryset.filter(any_channel_q(list(dict.fromkeys(values)))) if values else queryset

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
