"""The incident endpoints: parse input, call one service, render the incident."""

from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from crisis_api.concurrency import check_version, etag_for, expected_version
from crisis_api.errors import PROBLEM_CONTENT_TYPE
from crisis_api.events.verification import verify_stream
from crisis_api.pagination import EventCursorPagination
from crisis_api.schema import problem
from incidents import selectors, services
from incidents.api import serializers as s
from incidents.api.filters import IncidentFilter
from incidents.api.permissions import IncidentPermission
from incidents.models import Incident
from incidents.state import TransitionNotAllowed, can_run, transition_permission

IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    description='The ETag you read (e.g. `"3"`); a stale one is refused with 412.',
)
ETAG = OpenApiParameter(
    "ETag",
    str,
    OpenApiParameter.HEADER,
    response=[200, 201],
    description='The incident\'s version as a strong ETag (e.g. `"3"`): send it back in If-Match.',
)
LOCATION = OpenApiParameter(
    "Location", str, OpenApiParameter.HEADER, response=[201], description="The new incident."
)
CURSOR_PAGE = [
    OpenApiParameter("cursor", str, description="The `next` or `previous` link's cursor."),
    OpenApiParameter("page_size", int, description="Results per page (default 25, at most 100)."),
]
UNAUTHORIZED = problem(
    "No or bad credentials",
    {"type": "urn:crisis-api:problem:not-authenticated", "title": "Unauthorized", "status": 401,
     "detail": "Authentication credentials were not provided."},
)  # fmt: skip
FORBIDDEN = problem(
    "Not allowed for your role",
    {"type": "urn:crisis-api:problem:permission-denied", "title": "Forbidden", "status": 403,
     "detail": "Your role does not allow 'review' (it needs the incidents.review_incident "
               "permission); ask a manager for a role that does."},
)  # fmt: skip
NOT_FOUND = problem(
    "Unknown incident, or one you may not see",
    {"type": "urn:crisis-api:problem:not-found", "title": "Not Found", "status": 404,
     "detail": "No such resource, or you are not allowed to see it."},
)  # fmt: skip
INVALID = problem(
    "Invalid input, field by field",
    {"type": "urn:crisis-api:problem:invalid", "title": "Bad Request", "status": 400,
     "detail": "The request is invalid; see `errors` for what to fix in each field.",
     "errors": {"severity": ["This field is required."]}},
)  # fmt: skip
STALE = problem(
    "If-Match names an old version",
    {"type": "urn:crisis-api:problem:precondition-failed", "title": "Precondition Failed",
     "status": 412, "detail": "The resource changed since you read it (current version 4); GET "
     "it again and retry with the new ETag.", "current_version": 4},
)  # fmt: skip
CONFLICT = problem(
    "Not allowed from the current status",
    {"type": "urn:crisis-api:problem:transition-not-allowed", "title": "Conflict", "status": 409,
     "detail": "Transition 'resolve' is not allowed from 'detected'; allowed: assess, dismiss.",
     "current_status": "detected", "allowed_transitions": ["assess", "dismiss"]},
)  # fmt: skip

PROBLEMS = {400: INVALID, 401: UNAUTHORIZED, 403: FORBIDDEN, 404: NOT_FOUND, 409: CONFLICT,
            412: STALE}  # fmt: skip


def responses(success: dict, *problem_statuses: int) -> dict:
    """`success` plus the listed problems, declared as application/problem+json."""
    return {
        **success,
        **{(code, PROBLEM_CONTENT_TYPE): PROBLEMS[code] for code in problem_statuses},
    }


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
        {"reason": "A new video revived the thread."},
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


def _with_etag(response: Response, version: int) -> Response:
    response["ETag"] = etag_for(version)
    return response


def _transition_view(name: str):
    """Build the POST endpoint of one transition; every one checks in the same order."""
    input_serializer, example = TRANSITION_ENDPOINTS[name]
    service = services.TRANSITION_SERVICES[name]

    def view(self, request, pk=None):
        incident = self.get_object()  # 404
        if not request.user.has_perm(transition_permission(name)):  # 403
            raise PermissionDenied(
                f"Your role does not allow {name!r} (it needs the {transition_permission(name)} "
                "permission); ask a manager for a role that does."
            )
        version = expected_version(request)
        check_version(version, incident.version)  # 412
        if not can_run(incident, name):  # 409
            raise TransitionNotAllowed(name, incident)
        serializer = input_serializer(
            data=request.data,
            context={
                "request": request,
                "incident": incident,
                "visible_incidents": selectors.incidents_visible_to(request.user),
            },
        )
        serializer.is_valid(raise_exception=True)  # 400
        # The service checks version and state again under the row lock.
        service(
            incident_id=incident.pk,
            actor=request.user,
            expected_version=version,
            **serializer.validated_data,
        )
        return self._incident_response(incident.pk)

    view.__name__ = view.__qualname__ = name  # routers map HTTP methods by this name
    decorate = extend_schema(
        operation_id=f"incidents_{name}",
        summary=f"{name.capitalize()} the incident",
        description=input_serializer.__doc__,
        parameters=[IF_MATCH, ETAG],
        request=input_serializer,
        responses=responses({200: s.IncidentSerializer}, 400, 401, 403, 404, 409, 412),
        examples=[OpenApiExample(name, value=example, request_only=True)],
        tags=["transitions"],
    )
    return decorate(action(detail=True, methods=["post"], url_path=name, url_name=name)(view))


@extend_schema_view(
    list=extend_schema(
        summary="List incidents",
        responses=responses({200: s.IncidentSerializer(many=True)}, 400, 401, 403),
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
    ),
    partial_update=extend_schema(
        summary="Change an incident's fields (not its status)",
        parameters=[IF_MATCH, ETAG],
        request=s.IncidentUpdateInputSerializer,
        responses=responses({200: s.IncidentSerializer}, 400, 401, 403, 404, 412),
    ),
)  # fmt: skip
class IncidentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Incidents: list, create, read, update, transitions, timeline and notes."""

    serializer_class = s.IncidentSerializer
    permission_classes = [IncidentPermission]
    filterset_class = IncidentFilter
    lookup_value_regex = "[0-9a-fA-F-]{36}"
    http_method_names = ["get", "post", "patch", "head", "options"]
    cursor_orderings = {
        "-created_at": ("-created_at", "-id"),
        "created_at": ("created_at", "id"),
        "-updated_at": ("-updated_at", "-id"),
        "updated_at": ("updated_at", "id"),
        "-response_due_at": ("-response_due_order", "-id"),
        "response_due_at": ("response_due_order", "id"),
    }
    default_cursor_ordering = "-created_at"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return Incident.objects.none()
        user = self.request.user
        if self.action in ("timeline", "verify", "notes") or self.action in TRANSITION_ENDPOINTS:
            return selectors.incidents_visible_to(user)
        return selectors.incident_list(user=user)

    def filter_queryset(self, queryset):
        # Query filters select among incidents; they never hide the one a URL names.
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    def _incident_response(self, incident_id, status_code=status.HTTP_200_OK) -> Response:
        incident = selectors.incident_written(incident_id=incident_id)
        body = s.IncidentSerializer(incident, context=self.get_serializer_context()).data
        return _with_etag(Response(body, status=status_code), incident.version)

    def retrieve(self, request, *args, **kwargs):
        incident = self.get_object()
        return _with_etag(Response(self.get_serializer(incident).data), incident.version)

    def create(self, request):
        serializer = s.IncidentCreateInputSerializer(
            data=request.data, context={"request": request}
        )
        serializer.is_valid(raise_exception=True)
        incident = services.incident_create(actor=request.user, **serializer.validated_data)
        response = self._incident_response(incident.pk, status.HTTP_201_CREATED)
        response["Location"] = request.build_absolute_uri(f"{incident.pk}/")
        return response

    def partial_update(self, request, pk=None):
        incident = self.get_object()
        version = expected_version(request)
        check_version(version, incident.version)
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
        return self._incident_response(incident.pk)

    assess = _transition_view("assess")
    respond = _transition_view("respond")
    resolve = _transition_view("resolve")
    dismiss = _transition_view("dismiss")
    reopen = _transition_view("reopen")
    review = _transition_view("review")

    @extend_schema(
        summary="The incident's timeline (its events, oldest first)",
        parameters=CURSOR_PAGE,
        responses=responses({200: s.EventSerializer(many=True)}, 400, 401, 403, 404),
        tags=["timeline"],
    )  # fmt: skip
    @action(
        detail=True, methods=["get"], pagination_class=EventCursorPagination, filterset_class=None
    )
    def timeline(self, request, pk=None):
        incident = self.get_object()
        events = selectors.incident_timeline(incident=incident)
        page = self.paginator.paginate_queryset(events, request, view=self)
        return self.paginator.get_paginated_response(s.EventSerializer(page, many=True).data)

    @extend_schema(
        summary="Recompute the incident's hash chain",
        responses=responses({200: s.ChainVerificationSerializer}, 401, 403, 404),
        tags=["timeline"],
    )  # fmt: skip
    @action(detail=True, methods=["get"], url_path="timeline/verify", url_name="verify",
            pagination_class=None)  # fmt: skip
    def verify(self, request, pk=None):
        incident = self.get_object()
        report = verify_stream(incident.stream)
        return Response(s.ChainVerificationSerializer(report).data)

    @extend_schema(
        summary="Add a note to the timeline",
        request=s.NoteInputSerializer,
        responses=responses({201: s.EventSerializer}, 400, 401, 403, 404),
        examples=[OpenApiExample("note", value={"note": "Journalist from Le Monde asked for a "
                                                "statement; legal is drafting."},
                                 request_only=True)],
        tags=["timeline"],
    )  # fmt: skip
    @action(detail=True, methods=["post"], pagination_class=None)
    def notes(self, request, pk=None):
        incident = self.get_object()
        serializer = s.NoteInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        event = services.incident_add_note(
            incident=incident, actor=request.user, note=serializer.validated_data["note"]
        )
        return Response(s.EventSerializer(event).data, status=status.HTTP_201_CREATED)
