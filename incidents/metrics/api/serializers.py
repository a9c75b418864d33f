"""Team metrics as the API shows them: one schema component per part, every key named."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from incidents.actions.models import AMOUNT_DECIMAL_PLACES
from incidents.deadlines.rules import DeadlineState
from incidents.metrics.durations import DURATIONS
from incidents.metrics.selectors import BREAKDOWNS, SEVERITY_KEYS


def _serializer(name: str, doc: str, fields: dict) -> type[serializers.Serializer]:
    """A serializer class named `name` (its schema component) with these fields."""
    return type(name, (serializers.Serializer,), {"__doc__": doc, **fields})


def _counts(name: str, keys, doc: str) -> type[serializers.Serializer]:
    return _serializer(name, doc, {key: serializers.IntegerField() for key in keys})


MetricsPeriodSerializer = _serializer(
    "MetricsPeriodSerializer",
    "Incidents detected from `from` (included) to `to` (excluded).",
    {"from": serializers.DateTimeField(), "to": serializers.DateTimeField()},
)

_BREAKDOWN_NAMES = {
    "by_status": "MetricsByStatusSerializer",
    "by_severity": "MetricsBySeveritySerializer",
    "by_category": "MetricsByCategorySerializer",
    "by_scope": "MetricsByScopeSerializer",
}
MetricsIncidentsSerializer = _serializer(
    "MetricsIncidentsSerializer",
    "Incidents counted, by field; every value is present, `none`: no severity or no scope.",
    {
        "total": serializers.IntegerField(),
        **{
            name: _counts(_BREAKDOWN_NAMES[name], keys, f"Incidents {name.replace('_', ' ')}.")()
            for name, (_field, keys) in BREAKDOWNS.items()
        },
    },
)


class DurationStatsSerializer(serializers.Serializer):
    """How many incidents were measured, and the median and 90th percentile in seconds."""

    count = serializers.IntegerField()
    median = serializers.FloatField(allow_null=True, help_text=_("Seconds; null when count is 0."))
    p90 = serializers.FloatField(allow_null=True, help_text=_("Seconds; null when count is 0."))


DurationsBySeveritySerializer = _serializer(
    "DurationsBySeveritySerializer",
    "The same figures for each severity (`none`: incidents never assessed).",
    {key: DurationStatsSerializer() for key in SEVERITY_KEYS},
)


class DurationMetricSerializer(DurationStatsSerializer):
    """One measured time: overall and for each severity."""

    by_severity = DurationsBySeveritySerializer()


MetricsDurationsSerializer = _serializer(
    "MetricsDurationsSerializer",
    "The four measured times, from detection.",
    {duration.name: DurationMetricSerializer(help_text=duration.label) for duration in DURATIONS},
)


class DeadlineComplianceSerializer(
    _counts("DeadlineStatesSerializer", DeadlineState.values, "Deadlines by state.")
):
    """A deadline's states across the incidents, and the share met."""

    compliance = serializers.FloatField(
        allow_null=True,
        help_text=_("met / (met + missed + breached); null when none of these."),
    )


class MetricsDeadlinesSerializer(serializers.Serializer):
    response = DeadlineComplianceSerializer()
    resolution = DeadlineComplianceSerializer()


class WeekCountSerializer(serializers.Serializer):
    week = serializers.DateField(help_text=_("The Monday the week starts on."))
    incidents = serializers.IntegerField(help_text=_("Incidents detected that week."))


class MetricsSignalsSerializer(serializers.Serializer):
    signals = serializers.IntegerField()
    reach = serializers.IntegerField(help_text=_("Sum of the signals' reach."))
    incidents_with_signals = serializers.IntegerField()


class MetricsCommunicationsSerializer(serializers.Serializer):
    published = serializers.IntegerField(help_text=_("Communications published."))
    retracted = serializers.IntegerField(help_text=_("Of those, withdrawn after publication."))
    incidents_with_publications = serializers.IntegerField()


class CompensationTotalSerializer(serializers.Serializer):
    currency = serializers.CharField(help_text=_("ISO 4217 code."))
    total = serializers.DecimalField(
        max_digits=30, decimal_places=AMOUNT_DECIMAL_PLACES, coerce_to_string=True
    )
    count = serializers.IntegerField(help_text=_("Compensations offered (not cancelled)."))
    beneficiaries = serializers.IntegerField(help_text=_("People covered, where given."))


class MetricsSerializer(serializers.Serializer):
    """The team's figures over a period."""

    period = MetricsPeriodSerializer()
    incidents_counted = serializers.ChoiceField(
        choices=["all", "visible"],
        help_text=_("all: every incident (managers); visible: those you may see."),
    )
    incidents = MetricsIncidentsSerializer()
    durations = MetricsDurationsSerializer()
    deadlines = MetricsDeadlinesSerializer()
    per_week = WeekCountSerializer(many=True, help_text=_("Weeks from Monday, oldest first."))
    signals = MetricsSignalsSerializer()
    communications = MetricsCommunicationsSerializer()
    compensations = CompensationTotalSerializer(many=True, help_text=_("By currency."))
