"""Query filters of the token list (documented in the schema by drf-spectacular)."""

import django_filters
from django.utils.translation import gettext_lazy

from crisis_api.filters import FilterSet, UsernamesFilter
from crisis_api.models import ApiToken, TokenState


class ApiTokenFilter(FilterSet):
    """Filters of `GET /api/v1/tokens/`."""

    user = UsernamesFilter(
        field_name="user",
        label=gettext_lazy("Owner's username (managers see everyone's tokens)"),
    )
    state = django_filters.ChoiceFilter(
        choices=TokenState.choices, method="filter_state", label=gettext_lazy("Token state")
    )

    class Meta:
        model = ApiToken
        fields = ["user", "state"]

    def filter_state(self, queryset, name, value):
        return queryset.in_state(value)
