"""Review representations: the metrics snapshot, and a result of the lessons search."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from crisis_api.schema import component_example
from incidents.models import Category, Incident, IncidentReview, Severity
from incidents.reviews import selectors

METRICS_EXAMPLE = {
    "seconds_to_assessment": 1200,
    "seconds_to_first_response": 3000,
    "seconds_to_first_public_response": 5400,
    "seconds_to_resolution": 97200,
    "response_deadline_met": True,
    "resolution_deadline_met": False,
    "signals_count": 412,
    "signals_reach": 1850000,
    "communications_published": 3,
    "communications_withdrawn": 1,
    "actions_done": 4,
    "actions_open": 1,
    "compensations": {"EUR": "12500.00", "GBP": "300.00"},
}


def _seconds(help_text):
    return serializers.IntegerField(allow_null=True, help_text=help_text)


@component_example(METRICS_EXAMPLE)
class ReviewMetricsSerializer(serializers.Serializer):
    """The measured times and counts of the crisis, as they were when it was reviewed."""

    seconds_to_assessment = _seconds(
        _("Seconds from detection to the assessment; null if it was never assessed.")
    )
    seconds_to_first_response = _seconds(
        _("Seconds from detection to the first start of the response; null if none started.")
    )
    seconds_to_first_public_response = _seconds(
        _("Seconds from detection to the first communication published; null if none was.")
    )
    seconds_to_resolution = _seconds(_("Seconds from detection to the resolution or dismissal."))
    response_deadline_met = serializers.BooleanField(
        allow_null=True,
        help_text=_(
            "The response started by its due time (a dismissal ends it too); null without a "
            "deadline."
        ),
    )
    resolution_deadline_met = serializers.BooleanField(
        allow_null=True,
        help_text=_("Resolved by its due time; null without a deadline."),
    )
    signals_count = serializers.IntegerField(min_value=0, help_text=_("Signals from monitoring."))
    signals_reach = serializers.IntegerField(
        min_value=0, help_text=_("Their total reach (people).")
    )
    communications_published = serializers.IntegerField(
        min_value=0, help_text=_("Communications published, those withdrawn since included.")
    )
    communications_withdrawn = serializers.IntegerField(
        min_value=0, help_text=_("Of those published, how many were withdrawn afterwards.")
    )
    actions_done = serializers.IntegerField(
        min_value=0, help_text=_("Actions of the crisis done (the review's follow-ups apart).")
    )
    actions_open = serializers.IntegerField(
        min_value=0, help_text=_("Actions of the crisis still open when it was reviewed.")
    )
    compensations = serializers.DictField(
        child=serializers.DecimalField(max_digits=16, decimal_places=2),
        help_text=_(
            "Compensations offered and not cancelled, totalled per currency (ISO 4217 code: "
            "decimal string)."
        ),
    )


def metrics_data(review: IncidentReview) -> dict | None:
    """The snapshot as the API shows it; null for a review recorded before snapshots existed."""
    return ReviewMetricsSerializer(review.metrics).data if review.metrics else None


class ReviewIncidentSerializer(serializers.ModelSerializer):
    """The incident a review belongs to, in short."""

    severity = serializers.ChoiceField(choices=Severity.choices, allow_null=True)
    category = serializers.ChoiceField(choices=Category.choices)

    class Meta:
        model = Incident
        fields = ["id", "reference", "title", "severity", "category"]
        read_only_fields = fields

    def to_representation(self, incident):
        data = super().to_representation(incident)
        data["severity"] = data["severity"] or None  # a dismissed incident may have none
        return data


class ReviewSearchResultSerializer(serializers.ModelSerializer):
    """A review found by the lessons search."""

    incident = ReviewIncidentSerializer()
    reviewed_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    reviewed_at = serializers.DateTimeField(source="incident.reviewed_at")
    follow_up_actions = serializers.ListField(child=serializers.CharField())
    metrics = serializers.SerializerMethodField(
        help_text=_("Null for a review recorded before snapshots existed.")
    )
    rank = serializers.SerializerMethodField(
        help_text=_(
            "Relevance to `q` (higher first; compare only within one search); null without `q`."
        )
    )
    snippet = serializers.SerializerMethodField(
        help_text=_(
            "HTML: the passages that match `q`, each match in <mark>…</mark>, everything else "
            "escaped; null without `q`."
        )
    )

    class Meta:
        model = IncidentReview
        fields = [
            "incident",
            "summary",
            "root_cause",
            "what_went_well",
            "what_went_wrong",
            "lessons_learned",
            "follow_up_actions",
            "reviewed_by",
            "reviewed_at",
            "metrics",
            "rank",
            "snippet",
        ]
        read_only_fields = fields

    @extend_schema_field(ReviewMetricsSerializer(allow_null=True))
    def get_metrics(self, review: IncidentReview):
        return metrics_data(review)

    @extend_schema_field(serializers.FloatField(allow_null=True))
    def get_rank(self, review: IncidentReview) -> float | None:
        rank = getattr(review, "rank", None)
        return None if rank is None else round(float(rank), 6)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_snippet(self, review: IncidentReview) -> str | None:
        text = self.context.get("search_text")
        return selectors.review_snippet(review, text) if text else None
