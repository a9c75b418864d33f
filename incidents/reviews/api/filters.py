"""Query filters of the lessons search (documented in the schema by drf-spectacular)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from crisis_api.filters import (
    BoundedCharFilter,
    BoundedMultipleChoiceFilter,
    FilterSet,
    UtcDateTimeFilter,
)
from incidents.models import Category, IncidentReview, Severity
from incidents.reviews.selectors import reviews_matching


class ReviewFilterForm(forms.Form):
    """Refuses a period that ends before it starts."""

    def clean(self):
        data = super().clean()
        after, before = data.get("reviewed_after"), data.get("reviewed_before")
        if after and before and after >= before:
            self.add_error(
                "reviewed_before",
                forms.ValidationError(
                    _("Give a time later than reviewed_after (%(after)s)."),
                    code="invalid",
                    params={"after": after.isoformat()},
                ),
            )
        return data


class ReviewFilter(FilterSet):
    """Filters of `GET /api/v1/reviews/`; repeat a parameter to match several values."""

    category = BoundedMultipleChoiceFilter(
        field_name="incident__category", choices=Category.choices, label=_("Category (any of)")
    )
    severity = BoundedMultipleChoiceFilter(
        field_name="incident__severity", choices=Severity.choices, label=_("Severity (any of)")
    )
    reviewed_after = UtcDateTimeFilter(
        field_name="incident__reviewed_at", lookup_expr="gte", label=_("Reviewed at or after")
    )
    reviewed_before = UtcDateTimeFilter(
        field_name="incident__reviewed_at", lookup_expr="lt", label=_("Reviewed before")
    )
    q = BoundedCharFilter(
        method="filter_text",
        label=_(
            "Words to find in the lessons (summary, root cause, what went well or wrong, "
            'lessons learned, follow-ups): "quoted phrase", or, -word; most relevant first'
        ),
    )

    class Meta:
        model = IncidentReview
        fields: list[str] = []
        form = ReviewFilterForm

    def filter_text(self, queryset, name, value):
        value = value.strip()
        return reviews_matching(queryset, value) if value else queryset
