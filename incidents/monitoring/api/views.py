"""The signal endpoints: a batch from a monitoring tool, and an incident's signals."""

from django.conf import settings
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from crisis_api.errors import InvalidInput
from crisis_api.middleware import max_body_size
from crisis_api.schema import problem_example, responses
from crisis_api.throttling import SignalsRateThrottle
from incidents.monitoring import selectors, services
from incidents.monitoring.api import serializers as s
from incidents.monitoring.api.filters import SignalFilter
from incidents.selectors import incidents_visible_to

SIGNAL_EXAMPLE = {
    "platform": "x",
    "observed_at": "2026-11-25T09:12:00+01:00",
    "content": "Encore une livraison perdue, le service client ne répond plus. #scandale",
    "url": "https://x.com/marie_l/status/1861234567890?utm_source=share",
    "external_id": "1861234567890",
    "author": "@marie_l",
    "language": "fr",
    "sentiment": -0.8,
    "reach": 12500,
    "engagement": 340,
    "group_key": "talkwalker-alert-4411",
    "raw": {"tool": "talkwalker", "alert": 4411},
}
TOO_MANY = problem_example(
    "Invalid items (by index and field), or more than 500 signals",
    InvalidInput(
        {
            "signals.3.observed_at": [
                "Add the UTC offset (e.g. +01:00 or Z): a date-time without one is ambiguous."
            ],
            "signals.7.content": ["This field is required."],
        }
    ),
)


class SignalPermission(BasePermission):
    """Posting signals needs `monitoring.add_signal`; reading them `monitoring.view_signal`."""

    message = _("Your role does not allow this; ask a manager for a role that does.")

    def has_permission(self, request, view):
        needed = "monitoring.add_signal" if request.method == "POST" else "monitoring.view_signal"
        return request.user.has_perm(needed)


class SignalBatchView(APIView):
    """`POST /api/v1/signals/`: a monitoring tool's batch."""

    permission_classes = [*APIView.permission_classes, SignalPermission]
    throttle_classes = [SignalsRateThrottle]  # its own budget, THROTTLE_SIGNALS_RATE
    feed_actions = ("create",)
    action = "create"

    @extend_schema(
        operation_id="signals_create",
        summary=_("Send a batch of signals from monitoring (1 to 500; all stored or none)"),
        description=_(
            "Duplicates (same platform and external_id, or the same URL once normalised) are "
            "not stored again. Each new signal goes to the incident it names, else the open "
            "incident of its group_key, else an open incident holding a near-identical text "
            "observed within 72 hours of it, else a new incident. The body may reach 5 MB. An "
            "incident the caller may not see is named null."
        ),
        request=s.SignalBatchInputSerializer,
        responses=responses({200: s.SignalIngestionSerializer}, 400, 401, 403, 413, 503,
                            s400=TOO_MANY),
        examples=[
            OpenApiExample("A batch", value={"signals": [SIGNAL_EXAMPLE]}, request_only=True),
            OpenApiExample(
                "Stored and grouped",
                value={"received": 2, "created": 1, "duplicates": 1, "incidents_opened": 1,
                       "results": [
                           {"index": 0, "status": "created",
                            "signal": "5f0c8d1e-2b7a-4c61-9d0e-3a1b2c4d5e6f",
                            "incident": "9b2f0c1e-6a57-4a39-9a51-1f1c8d3c2a10",
                            "reference": "CR-2026-0042"},
                           {"index": 1, "status": "duplicate",
                            "signal": "5f0c8d1e-2b7a-4c61-9d0e-3a1b2c4d5e6f",
                            "incident": "9b2f0c1e-6a57-4a39-9a51-1f1c8d3c2a10",
                            "reference": "CR-2026-0042"}]},
                response_only=True,
            ),
        ],
    )  # fmt: skip
    @max_body_size(settings.SIGNALS_BATCH_MAX_BYTES)
    def post(self, request):
        serializer = s.SignalBatchInputSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        report = services.signals_ingest(
            actor=request.user, signals=serializer.validated_data["signals"]
        )
        return Response(s.SignalIngestionSerializer(report).data, status=status.HTTP_200_OK)


class IncidentSignalsMixin:
    """Views about one incident's signals: the incident must be visible to the caller."""

    permission_classes = [*APIView.permission_classes, SignalPermission]

    def get_incident(self):
        incidents = incidents_visible_to(self.request.user)
        fields = ("pk", "category", "impact")
        return get_object_or_404(incidents.only(*fields), pk=self.kwargs["incident_id"])


@extend_schema_view(
    get=extend_schema(
        operation_id="incidents_signals_list",
        summary=_("List an incident's signals (newest first)"),
        responses=responses({200: s.SignalSerializer(many=True)}, 400, 401, 403, 404),
    )
)
class IncidentSignalListView(IncidentSignalsMixin, generics.ListAPIView):
    serializer_class = s.SignalSerializer
    filterset_class = SignalFilter
    cursor_orderings = {"-observed_at": ("-observed_at", "-id")}
    default_cursor_ordering = "-observed_at"
    action = "list"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return selectors.Signal.objects.none()
        return selectors.incident_signals(incident=self.get_incident())


class IncidentSignalsSummaryView(IncidentSignalsMixin, APIView):
    action = "summary"

    @extend_schema(
        operation_id="incidents_signals_summary",
        summary=_("Summarise an incident's signals (counts, reach, hours, copies, authors)"),
        responses=responses({200: s.SignalsSummarySerializer}, 401, 403, 404),
    )
    def get(self, request, incident_id):
        summary = selectors.signals_summary(incident=self.get_incident())
        return Response(s.SignalsSummarySerializer(summary).data)


class AssessmentSuggestionView(IncidentSignalsMixin, APIView):
    action = "suggestion"

    @extend_schema(
        operation_id="incidents_assessment_suggestion",
        summary=_("Suggest a scope and a severity from the signals, with the reasons"),
        description=_(
            "A suggestion only: nothing applies it. coordinated: one near-identical text from "
            "at least 10 distinct authors within 120 minutes, at least 30% of the signals; "
            "spreading: 3 platforms or more, or the last 60 minutes at least twice the 60 "
            "before (and 20 or more); isolated otherwise. Severity by total reach (critical "
            "from 1,000,000, high from 100,000, medium from 10,000), high when coordinated or "
            "mostly negative, medium when spreading; never below high for a data leak or a "
            "safety impact."
        ),
        responses=responses({200: s.AssessmentSuggestionSerializer}, 401, 403, 404),
        examples=[
            OpenApiExample(
                "A coordinated campaign",
                value={
                    "scope": "coordinated",
                    "severity": "high",
                    "reasons": [
                        {"code": "coordinated",
                         "message": "14 distinct authors posted near-identical text within "
                                    "120 minutes; that text is 82% of the 17 signals."},
                        {"code": "reach", "message": "A total reach of 48,200 people."},
                    ],
                    "figures": {"signals": 17, "authors": 15, "reach": 48200, "platforms": 2,
                                "last_hour": 11, "previous_hour": 6, "with_sentiment": 17,
                                "negative_share": 0.94,
                                "largest_copy_burst": {
                                    "cluster": 311, "signals": 14, "share": 0.8235,
                                    "authors": 14, "window_start": "2026-11-25T08:02:00Z",
                                    "window_end": "2026-11-25T08:58:00Z"}},
                },
                response_only=True,
            )
        ],
    )  # fmt: skip
    def get(self, request, incident_id):
        incident = self.get_incident()
        return Response(
            s.AssessmentSuggestionSerializer(
                selectors.assessment_suggestion(incident=incident)
            ).data
        )
