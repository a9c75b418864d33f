"""Query filters for the incident list (documented in the schema by drf-spectacular)."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from crisis_api.clock import request_now
from crisis_api.filters import (
    BoundedCharFilter,
    BoundedMultipleChoiceFilter,
    FilterSet,
    StrictBooleanFilter,
    UsernamesFilter,
    UtcDateTimeFilter,
)
from incidents.deadlines.rules import DEADLINES, DeadlineState
from incidents.models import Category, Channel, Incident, Severity, Status
from incidents.selectors import any_channel_q, overdue_q


class IncidentFilter(FilterSet):
    """Filters of `GET /api/v1/incidents/`; repeat a parameter to match several values."""

    # distinct=False: each filter compares a column of the incident (no join can repeat a
    # row), and SELECT DISTINCT over every column would sort the whole match before the page.
    status = BoundedMultipleChoiceFilter(choices=Status.choices, distinct=False)
    severity = BoundedMultipleChoiceFilter(choices=Severity.choices, distinct=False)
    category = BoundedMultipleChoiceFilter(choices=Category.choices, distinct=False)
    channel = BoundedMultipleChoiceFilter(
        choices=Channel.choices, method="filter_channel", label=_("Channel (any of)")
    )
    owner = UsernamesFilter(field_name="owner", label=_("Owner username (any of)"))
    confidential = StrictBooleanFilter(field_name="is_confidential")
    overdue = StrictBooleanFilter(method="filter_overdue", label=_("Response overdue"))
    response_deadline = BoundedMultipleChoiceFilter(
        choices=DeadlineState.choices,
        method="filter_deadline",
        label=_("State of the response deadline (any of)"),
    )
    resolution_deadline = BoundedMultipleChoiceFilter(
        choices=DeadlineState.choices,
        method="filter_deadline",
        label=_("State of the resolution deadline (any of)"),
    )
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

    def filter_deadline(self, queryset, name, values):
        if not values:
            return queryset
        kind = DEADLINES[name.removesuffix("_deadline")]
        return queryset.filter(kind.state_q(values, request_now(self.request)))

    def filter_text(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(reference__icontains=value) | Q(title__icontains=value) | Q(summary__icontains=value)
        )
