"""The action endpoints: an incident's actions (list, create), one action (read, change,
complete, cancel, reopen). Parse input, call one service, render the action."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import generics, mixins, status, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from crisis_api.auth.permissions import API_PERMISSIONS
from crisis_api.concurrency import check_version, expected_version
from crisis_api.errors import InvalidInput
from crisis_api.lifecycle.api import ETAG, IF_MATCH, with_etag, with_transition_actions
from crisis_api.schema import problem_example, responses
from incidents.actions import selectors, services
from incidents.actions.api import serializers as s
from incidents.actions.api.filters import ActionFilter
from incidents.actions.api.permissions import ADD, ActionPermission
from incidents.actions.models import Action
from incidents.actions.state import action_machine
from incidents.selectors import incidents_visible_to

LOCATION = OpenApiParameter(
    "Location", str, OpenApiParameter.HEADER, response=[201], description="The new action."
)
COMPENSATION_EXAMPLE = {
    "kind": "compensation", "title": "Refund the delivery fees of the delayed orders",
    "description": "Automatic refund to every customer whose order was more than 3 days late.",
    "owner": "alice", "due_at": "2026-11-28T18:00:00+01:00", "amount": "18450.00",
    "currency": "EUR", "beneficiaries": 1230,
}  # fmt: skip
ACTION_EXAMPLE = {
    "id": "0b8e2f4a-3c1d-4e5f-8a9b-7c6d5e4f3a2b",
    "incident": "3f6c1d2e-8a4b-4c5d-9e7f-0a1b2c3d4e5f", **COMPENSATION_EXAMPLE,
    "due_at": "2026-11-28T17:00:00Z", "status": "open", "overdue": False, "completed_at": None,
    "cancelled_at": None, "cancel_reason": "", "from_review": False, "created_by": "alice",
    "created_at": "2026-11-25T09:30:00Z", "updated_at": "2026-11-25T09:30:00Z", "version": 1,
    "available_transitions": ["complete", "cancel"],
}  # fmt: skip
ACTION_EXAMPLES = [
    OpenApiExample("An open compensation", value=ACTION_EXAMPLE, response_only=True),
]
NOT_A_COMPENSATION = problem_example(
    "Invalid input, field by field (the compensation rule included)",
    InvalidInput(
        {
            "amount": [
                "Only a compensation has amount; make the kind compensation, or send null to "
                "clear it."
            ]
        }
    ),
)

# Each transition: its input serializer and an example body.
TRANSITION_ENDPOINTS = {
    "complete": (s.ActionCompleteInputSerializer, {"note": "Refunds sent by the payment team."}),
    "cancel": (
        s.ActionCancelInputSerializer,
        {"reason": "Replaced by a voucher for every affected customer."},
    ),
    "reopen": (s.ActionReopenInputSerializer, {"reason": "200 refunds bounced."}),
}


def action_response(request, action_id, status_code=status.HTTP_200_OK) -> Response:
    """The action a caller has just written, with its ETag."""
    action = selectors.with_related(Action.objects.all()).get(pk=action_id)
    body = s.ActionSerializer(action, context={"request": request}).data
    return with_etag(Response(body, status=status_code), action.version)


@extend_schema_view(
    get=extend_schema(
        operation_id="incidents_actions_list",
        summary="List an incident's actions (oldest first)",
        responses=responses({200: s.ActionSerializer(many=True)}, 400, 401, 403, 404),
        examples=ACTION_EXAMPLES,
        tags=["actions"],
    ),
    post=extend_schema(
        operation_id="incidents_actions_create",
        summary="Add an action to an incident (status open)",
        description=s.ActionCreateInputSerializer.__doc__,
        request=s.ActionCreateInputSerializer,
        parameters=[ETAG, LOCATION],
        responses=responses({201: s.ActionSerializer}, 400, 401, 403, 404,
                            s400=NOT_A_COMPENSATION),
        examples=[
            OpenApiExample("A compensation", value=COMPENSATION_EXAMPLE, request_only=True),
            OpenApiExample(
                "A fix",
                value={"kind": "fix", "title": "Restore the order-tracking page",
                       "owner": "alice", "due_at": "2026-11-25T18:00:00+01:00"},
                request_only=True,
            ),
            *ACTION_EXAMPLES,
        ],
        tags=["actions"],
    ),
)  # fmt: skip
class IncidentActionListView(generics.ListCreateAPIView):
    """`/api/v1/incidents/{id}/actions/`: the incident must be visible to the caller."""

    serializer_class = s.ActionSerializer
    permission_classes = [*API_PERMISSIONS, ActionPermission]
    filterset_class = ActionFilter
    cursor_orderings = {
        "created_at": ("created_at", "id"),
        "-created_at": ("-created_at", "-id"),
    }
    default_cursor_ordering = "created_at"

    def get_incident(self):
        incidents = incidents_visible_to(self.request.user).only("pk")
        return get_object_or_404(incidents, pk=self.kwargs["incident_id"])

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return Action.objects.none()
        return selectors.incident_actions(incident=self.get_incident())

    def post(self, request, incident_id):
        incident = self.get_incident()  # 404 before 403
        if not request.user.has_perm(ADD):
            raise PermissionDenied(ActionPermission.message)
        serializer = s.ActionCreateInputSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        action = services.action_create(
            incident_id=incident.pk, actor=request.user, **serializer.validated_data
        )
        response = action_response(request, action.pk, status.HTTP_201_CREATED)
        response["Location"] = request.build_absolute_uri(f"/api/v1/actions/{action.pk}/")
        return response


@extend_schema_view(
    retrieve=extend_schema(
        summary="Read an action (ETag: its version)",
        parameters=[ETAG],
        responses=responses({200: s.ActionSerializer}, 401, 403, 404),
        examples=ACTION_EXAMPLES,
    ),
    partial_update=extend_schema(
        summary="Change an action's fields (not its status)",
        description=s.ActionUpdateInputSerializer.__doc__,
        parameters=[IF_MATCH, ETAG],
        request=s.ActionUpdateInputSerializer,
        responses=responses({200: s.ActionSerializer}, 400, 401, 403, 404, 412,
                            s400=NOT_A_COMPENSATION),
        examples=[
            OpenApiExample(
                "Make it a compensation",
                value={"kind": "compensation", "amount": "25.00", "currency": "EUR",
                       "beneficiaries": 40},
                request_only=True,
            ),
            OpenApiExample(
                "Make it a fix (clear the compensation)",
                value={"kind": "fix", "amount": None, "currency": None, "beneficiaries": None},
                request_only=True,
            ),
        ],
    ),
)  # fmt: skip
@with_transition_actions(
    action_machine,
    endpoints=TRANSITION_ENDPOINTS,
    services=services.TRANSITION_SERVICES,
    output_serializer=s.ActionSerializer,
)
@extend_schema(tags=["actions"])
class ActionViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Actions: read, change, complete, cancel and reopen."""

    serializer_class = s.ActionSerializer
    permission_classes = [*API_PERMISSIONS, ActionPermission]
    lookup_value_regex = "[0-9a-fA-F-]{36}"
    http_method_names = ["get", "post", "patch", "head", "options"]
    lifecycle_record_kwarg = "action_id"
    pagination_class = None
    filterset_class = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return Action.objects.none()
        return selectors.with_related(selectors.actions_visible_to(self.request.user))

    def record_response(self, action_id) -> Response:
        return action_response(self.request, action_id)

    def get_transition_context(self, name, action):
        return {"request": self.request, "action": action}

    def retrieve(self, request, *args, **kwargs):
        action = self.get_object()
        return with_etag(Response(self.get_serializer(action).data), action.version)

    def partial_update(self, request, pk=None):
        action = self.get_object()  # 404, then 403
        version = expected_version(request)
        check_version(version, action.version)  # 412
        serializer = s.ActionUpdateInputSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        services.action_update(
            action_id=action.pk,
            actor=request.user,
            expected_version=version,
            **serializer.validated_data,
        )
        return self.record_response(action.pk)
