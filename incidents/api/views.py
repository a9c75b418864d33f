"""The incident endpoints: parse input, call one service, render the incident."""

from django.core.exceptions import ValidationError
from django.http import Http404
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from crisis_api.auth.permissions import API_PERMISSIONS
from crisis_api.clock import request_now
from crisis_api.concurrency import check_version, expected_version
from crisis_api.events.serializers import event_serializer_for
from crisis_api.lifecycle.api import (
    ETAG,
    IF_MATCH,
    timeline_actions,
    with_etag,
    with_transition_actions,
)
from crisis_api.schema import CLOSED, responses
from incidents import selectors, services
from incidents.api import serializers as s
from incidents.api.filters import IncidentFilter
from incidents.api.permissions import IncidentPermission
from incidents.models import Incident
from incidents.state import incident_machine

LOCATION = OpenApiParameter(
    "Location", str, OpenApiParameter.HEADER, response=[201], description="The new incident."
)


# Each transition: its input serializer and an example body.
TRANSITION_ENDPOINTS = {
    "assess": (
        s.IncidentAssessInputSerializer,
        {"severity": "high", "scope": "spreading", "estimated_reach": 250000,
         "affected_count": 1200, "impact": ["reputation", "financial"],
         "rationale": "Video shared by two large accounts; press is asking questions."},
    ),
    "respond": (s.IncidentRespondInputSerializer, {"owner": "alice"}),
    "resolve": (
        s.IncidentResolveInputSerializer,
        {"resolution_summary": "Public apology posted, refunds offered, thread calmed down."},
    ),
    "dismiss": (
        s.IncidentDismissInputSerializer,
        {"reason": "Same wave as CR-2026-0041.",
         "duplicate_of": "9b2f0c1e-6a57-4a39-9a51-1f1c8d3c2a10"},
    ),
    "reopen": (
        s.IncidentReopenInputSerializer,
        {"reason": "A new video revived the thread.", "severity": "medium"},
    ),
    "review": (
        s.IncidentReviewInputSerializer,
        {"summary": "Backlash over a delayed refund policy.",
         "root_cause": "Policy change announced without an FAQ.",
         "what_went_well": "First answer within 40 minutes.",
         "what_went_wrong": "Support and social gave different answers for a day.",
         "lessons_learned": "Brief support before any public policy change.",
         "follow_up_actions": ["Write the refund FAQ", "Add support to the launch checklist"]},
    ),
}  # fmt: skip


# An incident as the API returns it: assessed `high` at 07:00, its response at risk (three
# quarters of its four hours gone at 10:00), its resolution on track.
INCIDENT_EXAMPLE = {
    "id": "3f6c1d2e-8a4b-4c5d-9e7f-0a1b2c3d4e5f", "reference": "CR-2026-0042",
    "title": "Viral video of a rude delivery driver", "summary": "Posted 2 h ago, 40k shares.",
    "category": "conduct", "channels": ["tiktok", "x"], "status": "assessed",
    "severity": "high", "scope": "spreading", "estimated_reach": 250000,
    "affected_count": None, "impact": ["reputation"],
    "rationale": "Video shared by two large accounts; press is asking questions.",
    "owner": None, "participants": [], "created_by": "alice", "is_confidential": False,
    "resolution": None, "resolution_summary": "", "duplicate_of": None,
    "detected_at": "2026-11-25T06:40:00Z", "assessed_at": "2026-11-25T07:00:00Z",
    "response_due_at": "2026-11-25T11:00:00Z", "resolution_due_at": "2026-11-28T07:00:00Z",
    "response_started_at": None, "first_response_at": None, "first_public_response_at": None,
    "resolved_at": None,
    "reviewed_at": None, "overdue": False,
    "response_deadline": {"due_at": "2026-11-25T11:00:00Z", "state": "at_risk"},
    "resolution_deadline": {"due_at": "2026-11-28T07:00:00Z", "state": "on_track"},
    "created_at": "2026-11-25T06:45:00Z", "updated_at": "2026-11-25T07:00:00Z", "version": 2,
    "available_transitions": ["respond", "dismiss"], "review": None,
    "actions_summary": {
        "open": 2, "done": 1, "cancelled": 0, "overdue": 1,
        "compensation": [{"currency": "EUR", "total": "18450.00", "count": 1}],
    },
}  # fmt: skip
INCIDENT_EXAMPLES = [
    OpenApiExample("An incident whose response is at risk", value=INCIDENT_EXAMPLE,
                   response_only=True),
]  # fmt: skip


IncidentEventSerializer = event_serializer_for(incident_machine, "IncidentEventSerializer")
IncidentTimelineActions = timeline_actions(
    event_serializer=IncidentEventSerializer,
    note_input_serializer=s.NoteInputSerializer,
    note_service=services.incident_add_note,
    note_example="Journalist from Le Monde asked for a statement; legal is drafting.",
)


@extend_schema_view(
    list=extend_schema(
        summary="List incidents",
        responses=responses({200: s.IncidentSerializer(many=True)}, 400, 401, 403),
        examples=INCIDENT_EXAMPLES,
    ),
    create=extend_schema(
        summary="Record a new incident (status detected)",
        request=s.IncidentCreateInputSerializer,
        parameters=[ETAG, LOCATION],
        responses=responses({201: s.IncidentSerializer}, 400, 401, 403),
        examples=[
            OpenApiExample(
                "A viral post",
                value={"title": "Viral video of a rude delivery driver",
                       "summary": "Posted 2 h ago, 40k shares.", "category": "conduct",
                       "channels": ["tiktok", "x"]},
                request_only=True,
            )
        ],
    ),
    retrieve=extend_schema(
        summary="Read an incident (ETag: its version)",
        parameters=[ETAG],
        responses=responses({200: s.IncidentSerializer}, 401, 403, 404),
        examples=INCIDENT_EXAMPLES,
    ),
    partial_update=extend_schema(
        summary="Change an incident's fields (not its status)",
        parameters=[IF_MATCH, ETAG],
        request=s.IncidentUpdateInputSerializer,
        responses=responses({200: s.IncidentSerializer}, 400, 401, 403, 404, 409, 412,
                            s409=CLOSED),
    ),
)  # fmt: skip
@with_transition_actions(
    incident_machine,
    endpoints=TRANSITION_ENDPOINTS,
    services=services.TRANSITION_SERVICES,
    output_serializer=s.IncidentSerializer,
)
class IncidentViewSet(
    IncidentTimelineActions,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Incidents: list, create, read, update, transitions, timeline and notes."""

    serializer_class = s.IncidentSerializer
    permission_classes = [*API_PERMISSIONS, IncidentPermission]
    filterset_class = IncidentFilter
    lookup_value_regex = "[0-9a-fA-F-]{36}"
    http_method_names = ["get", "post", "patch", "head", "options"]
    lifecycle_record_kwarg = "incident_id"
    cursor_orderings = {
        "-created_at": ("-created_at", "-id"),
        "created_at": ("created_at", "id"),
        "-updated_at": ("-updated_at", "-id"),
        "updated_at": ("updated_at", "id"),
        "-response_due_at": ("-response_due_order", "-id"),
        "response_due_at": ("response_due_order", "id"),
        # The nearest deadline not yet met or ended (incidents without one come last).
        "-next_due_at": ("-next_due_order", "-id"),
        "next_due_at": ("next_due_order", "id"),
    }
    default_cursor_ordering = "-created_at"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return Incident.objects.none()
        user = self.request.user
        if self.action == "list":
            name = self.request.query_params.get("ordering") or self.default_cursor_ordering
            return selectors.incident_list(user=user, ordering=self.cursor_orderings.get(name, ()))
        return selectors.incidents_visible_to(user)

    def filter_queryset(self, queryset):
        # Query filters select among incidents; they never hide the one a URL names.
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    def record_response(self, incident_id, status_code=status.HTTP_200_OK) -> Response:
        incident = selectors.incident_written(
            incident_id=incident_id, now=request_now(self.request)
        )
        body = s.IncidentSerializer(incident, context=self.get_serializer_context()).data
        return with_etag(Response(body, status=status_code), incident.version)

    def get_transition_context(self, name, incident):
        return {
            "request": self.request,
            "incident": incident,
            "visible_incidents": selectors.incidents_visible_to(self.request.user),
        }

    def timeline_redact(self, events):
        return selectors.incident_changes_redactor(events=events, user=self.request.user)

    def retrieve(self, request, pk=None):
        # get_object(), in one query compiled once per process (selectors.incident_detail).
        try:
            incident = selectors.incident_detail(
                incident_id=pk, user=request.user, now=request_now(request)
            )
        except ValidationError:  # not a UUID
            incident = None
        if incident is None:
            raise Http404
        self.check_object_permissions(request, incident)
        return with_etag(Response(self.get_serializer(incident).data), incident.version)

    def create(self, request):
        serializer = s.IncidentCreateInputSerializer(
            data=request.data, context={"request": request}
        )
        serializer.is_valid(raise_exception=True)
        incident = services.incident_create(actor=request.user, **serializer.validated_data)
        response = self.record_response(incident.pk, status.HTTP_201_CREATED)
        response["Location"] = request.build_absolute_uri(f"{incident.pk}/")
        return response

    def partial_update(self, request, pk=None):
        incident = self.get_object()
        version = expected_version(request)
        check_version(version, incident.version)  # 412
        if isinstance(request.data, dict):
            services.check_editable(incident, request.data)  # 409
        serializer = s.IncidentUpdateInputSerializer(
            data=request.data, context={"request": request, "incident": incident}
        )
        serializer.is_valid(raise_exception=True)
        services.incident_update(
            incident_id=incident.pk,
            actor=request.user,
            expected_version=version,
            **serializer.validated_data,
        )
        return self.record_response(incident.pk)
