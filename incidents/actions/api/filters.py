"""Query filters for an incident's actions."""

from django.utils.translation import gettext_lazy as _

from crisis_api.clock import request_now
from crisis_api.filters import BoundedMultipleChoiceFilter, FilterSet, StrictBooleanFilter
from incidents.actions.models import Action, Kind, Status, overdue_q


class ActionFilter(FilterSet):
    """Filters of `GET /api/v1/incidents/{id}/actions/`; repeat a parameter for several values."""

    status = BoundedMultipleChoiceFilter(choices=Status.choices)
    kind = BoundedMultipleChoiceFilter(choices=Kind.choices)
    overdue = StrictBooleanFilter(method="filter_overdue", label=_("Open and past its due time"))

    class Meta:
        model = Action
        fields: list[str] = []

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        overdue = overdue_q(request_now(self.request))
        return queryset.filter(overdue) if value else queryset.exclude(overdue)
