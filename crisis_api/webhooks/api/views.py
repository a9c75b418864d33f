"""The webhook endpoints (managers): register, list, read, change, delete an endpoint, rotate
its secret, list its deliveries with their attempts, and send a dead delivery again."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from crisis_api.auth.permissions import API_PERMISSIONS
from crisis_api.schema import problem_example, responses
from crisis_api.webhooks import services
from crisis_api.webhooks.api import serializers as s
from crisis_api.webhooks.api.permissions import WebhookPermission
from crisis_api.webhooks.models import Delivery, Endpoint

ENDPOINT_EXAMPLE = {
    "id": 7, "url": "https://hooks.example.com/crisis", "event_types": ["*"], "active": True,
    "description": "The on-call tool", "allow_confidential": False, "disabled_reason": "",
    "previous_secret_expires_at": None, "created_at": "2026-11-25T10:00:00Z",
    "updated_at": "2026-11-25T10:00:00Z",
}  # fmt: skip
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
DELIVERY_EXAMPLE = {
    "id": 31, "endpoint": 7, "webhook_id": "1042", "type": "incident.resolved",
    "stream": "incident:3f6c1d2e-8a4b-4c5d-9e7f-0a1b2c3d4e5f", "sequence": 5, "state": "dead",
    "attempt_count": 10, "next_attempt_at": "2026-11-27T02:10:00Z",
    "created_at": "2026-11-25T10:05:00Z", "finished_at": "2026-11-27T02:10:01Z",
    "attempts": [{"at": "2026-11-25T10:05:00Z", "status_code": 503, "duration_ms": 120,
                  "error": ""}],
}  # fmt: skip
NOT_DEAD = problem_example(
    "The delivery is not dead",
    services.DeliveryNotDead(Delivery(state=Delivery.State.PENDING)),
)
TAGS = ["webhooks"]


@extend_schema_view(
    list=extend_schema(
        summary=_("List webhook endpoints (managers)"),
        responses=responses({200: s.EndpointSerializer(many=True)}, 400, 401, 403),
        examples=[OpenApiExample("An endpoint", value=ENDPOINT_EXAMPLE, response_only=True)],
        tags=TAGS,
    ),
    retrieve=extend_schema(
        summary=_("Read a webhook endpoint (never its secret)"),
        responses=responses({200: s.EndpointSerializer}, 401, 403, 404),
        tags=TAGS,
    ),
    create=extend_schema(
        summary=_("Register a webhook endpoint; the response shows its secret, once"),
        description=s.EndpointInputSerializer.__doc__,
        request=s.EndpointInputSerializer,
        responses=responses({201: s.EndpointWithSecretSerializer}, 400, 401, 403),
        examples=[
            OpenApiExample(
                "Every event",
                value={"url": "https://hooks.example.com/crisis", "event_types": ["*"],
                       "description": "The on-call tool"},
                request_only=True,
            ),
            OpenApiExample("Registered", value={**ENDPOINT_EXAMPLE, "secret": SECRET},
                           response_only=True),
        ],
        tags=TAGS,
    ),
    partial_update=extend_schema(
        summary=_("Change a webhook endpoint"),
        description=s.EndpointUpdateInputSerializer.__doc__,
        request=s.EndpointUpdateInputSerializer,
        responses=responses({200: s.EndpointSerializer}, 400, 401, 403, 404),
        examples=[OpenApiExample("Reactivate", value={"active": True}, request_only=True)],
        tags=TAGS,
    ),
    destroy=extend_schema(
        summary=_("Delete a webhook endpoint and its deliveries"),
        responses=responses({204: None}, 401, 403, 404),
        tags=TAGS,
    ),
)  # fmt: skip
class EndpointViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """`/api/v1/webhooks/`: managers only."""

    serializer_class = s.EndpointSerializer
    permission_classes = [*API_PERMISSIONS, WebhookPermission]
    queryset = Endpoint.objects.all()
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    cursor_orderings = {
        "-created_at": ("-created_at", "-id"),
        "created_at": ("created_at", "id"),
    }
    default_cursor_ordering = "-created_at"

    def create(self, request):
        data = s.EndpointInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        endpoint = services.endpoint_create(actor=request.user, **data.validated_data)
        body = s.EndpointWithSecretSerializer(endpoint).data
        return Response(body, status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        endpoint = self.get_object()
        data = s.EndpointUpdateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        endpoint = services.endpoint_update(endpoint=endpoint, **data.validated_data)
        return Response(s.EndpointSerializer(endpoint).data)

    @extend_schema(
        operation_id="webhooks_rotate_secret",
        summary=_("Rotate an endpoint's secret (the previous one stays valid 24 hours)"),
        description=_(
            "Returns the new secret, once. For 24 hours every request carries two signatures, "
            "one per secret, so the receiver can switch at its own pace."
        ),
        request=None,
        responses=responses({200: s.EndpointWithSecretSerializer}, 401, 403, 404),
        tags=TAGS,
    )
    @action(detail=True, methods=["post"], url_path="rotate-secret", pagination_class=None)
    def rotate_secret(self, request, pk=None):
        endpoint = services.endpoint_rotate_secret(endpoint=self.get_object())
        return Response(s.EndpointWithSecretSerializer(endpoint).data)

    @extend_schema(
        operation_id="webhooks_deliveries_list",
        summary=_("List an endpoint's deliveries (newest first) with their attempts"),
        responses=responses({200: s.DeliverySerializer(many=True)}, 400, 401, 403, 404),
        examples=[OpenApiExample("A dead delivery", value=DELIVERY_EXAMPLE, response_only=True)],
        tags=TAGS,
    )
    @action(
        detail=True,
        methods=["get"],
        serializer_class=s.DeliverySerializer,
        cursor_orderings={"-id": ("-id",), "id": ("id",)},
        default_cursor_ordering="-id",
    )
    def deliveries(self, request, pk=None):
        endpoint = get_object_or_404(Endpoint.objects.only("pk"), pk=pk)
        deliveries = Delivery.objects.filter(endpoint=endpoint).prefetch_related("attempt_set")
        page = self.paginate_queryset(deliveries)
        return self.get_paginated_response(s.DeliverySerializer(page, many=True).data)


class DeliveryViewSet(viewsets.GenericViewSet):
    """`/api/v1/deliveries/{id}/redeliver/`: managers only."""

    serializer_class = s.DeliverySerializer
    permission_classes = [*API_PERMISSIONS, WebhookPermission]
    queryset = Delivery.objects.all()

    @extend_schema(
        operation_id="deliveries_redeliver",
        summary=_("Send a dead delivery again (from the first attempt of the schedule)"),
        request=None,
        responses=responses({202: s.DeliverySerializer}, 401, 403, 404, 409, s409=NOT_DEAD),
        tags=TAGS,
    )
    @action(detail=True, methods=["post"], pagination_class=None)
    def redeliver(self, request, pk=None):
        delivery = services.delivery_redeliver(delivery=self.get_object())
        delivery = Delivery.objects.prefetch_related("attempt_set").get(pk=delivery.pk)
        return Response(s.DeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)
