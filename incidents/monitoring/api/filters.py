"""Query filters for an incident's signals."""

from django.utils.translation import gettext_lazy as _

from crisis_api.filters import (
    BoundedCharFilter,
    BoundedMultipleChoiceFilter,
    FilterSet,
    UtcDateTimeFilter,
)
from incidents.models import Channel
from incidents.monitoring.models import Signal


class SignalFilter(FilterSet):
    """Filters of `GET /api/v1/incidents/{id}/signals/`; repeat a parameter for several values."""

    platform = BoundedMultipleChoiceFilter(choices=Channel.choices)
    author = BoundedCharFilter(field_name="author", label=_("Author handle (exact)"))
    language = BoundedCharFilter(field_name="language", lookup_expr="iexact",
                                 label=_("ISO 639-1 code, e.g. fr"))  # fmt: skip
    observed_after = UtcDateTimeFilter(field_name="observed_at", lookup_expr="gte")
    observed_before = UtcDateTimeFilter(field_name="observed_at", lookup_expr="lt")

    class Meta:
        model = Signal
        fields: list[str] = []
