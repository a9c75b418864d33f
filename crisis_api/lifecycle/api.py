"""API pieces of a resource with a state machine: transition actions and the timeline actions.

A viewset of such a resource gets one `POST /{id}/<transition>/` action per transition from
`transition_action`, and `timeline/`, `timeline/verify/` and `notes/` from `TimelineActions`.
Every transition checks in the same order: 404 (not visible), 403 (role), 412 (stale
If-Match), 409 (not from this status), 400 (input); the service checks version and state again
under the row lock.
"""

from collections.abc import Callable

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from crisis_api.concurrency import check_version, etag_for, expected_version
from crisis_api.events.serializers import ChainVerificationSerializer, EventSerializer
from crisis_api.events.verification import verify_stream
from crisis_api.lifecycle.machine import StateMachine
from crisis_api.models import Event
from crisis_api.pagination import EventCursorPagination
from crisis_api.schema import responses

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
    description='The resource\'s version as a strong ETag (e.g. `"3"`): send it back in If-Match.',
)
CURSOR_PAGE = [
    OpenApiParameter("cursor", str, description="The `next` or `previous` link's cursor."),
    OpenApiParameter(
        "page_size",
        {"type": "integer", "minimum": 1, "maximum": EventCursorPagination.max_page_size},
        description="Results per page (default 25, at most 100).",
    ),
]


def with_etag(response: Response, version: int) -> Response:
    """Set the response's ETag to the resource's version."""
    response["ETag"] = etag_for(version)
    return response


def role_refusal(name: str, permission: str) -> PermissionDenied:
    """The 403 for a caller whose role lacks a transition's permission."""
    return PermissionDenied(
        _(
            "Your role does not allow '%(name)s' (it needs the %(permission)s permission); "
            "ask a manager for a role that does."
        )
        % {"name": name, "permission": permission}
    )


def transition_action(
    machine: StateMachine,
    name: str,
    *,
    input_serializer,
    example: dict,
    service: Callable,
    output_serializer,
    tag: str = "transitions",
):
    """The `POST /{id}/<name>/` action of a viewset, with its schema.

    The viewset provides `get_object()` (visible records only), `lifecycle_record_kwarg` (the
    keyword its services take the record's id by), `get_transition_context(name, record)` for
    the input serializer and `record_response(pk)` for the answer.
    """
    model_name = machine.model._meta.model_name

    def view(self, request, pk=None):
        record = self.get_object()  # 404
        permission = machine.permission(name)
        if not request.user.has_perm(permission):  # 403
            raise role_refusal(name, permission)
        version = expected_version(request)
        check_version(version, record.version)  # 412
        machine.check(record, name)  # 409
        serializer = input_serializer(
            data=request.data, context=self.get_transition_context(name, record)
        )
        serializer.is_valid(raise_exception=True)  # 400
        service(
            **{self.lifecycle_record_kwarg: record.pk},
            actor=request.user,
            expected_version=version,
            **serializer.validated_data,
        )
        return self.record_response(record.pk)

    view.__name__ = view.__qualname__ = name  # routers map HTTP methods by this name
    decorate = extend_schema(
        operation_id=f"{model_name}s_{name}",
        summary=f"{name.capitalize()} the {model_name}",
        description=input_serializer.__doc__,
        parameters=[IF_MATCH, ETAG],
        request=input_serializer,
        responses=responses({200: output_serializer}, 400, 401, 403, 404, 409, 412),
        examples=[OpenApiExample(name, value=example, request_only=True)],
        tags=[tag],
    )
    return decorate(action(detail=True, methods=["post"], url_path=name, url_name=name)(view))


def with_transition_actions(
    machine: StateMachine, *, endpoints: dict, services: dict, output_serializer
):
    """Class decorator: one transition action per `@transition` of `machine`.

    `endpoints` maps each transition to (input serializer, example body), `services` to its
    service; a transition missing from either is an error at import time, not a missing route.
    """
    missing = [n for n in machine.names if n not in endpoints or n not in services]
    unknown = sorted((set(endpoints) | set(services)) - set(machine.names))
    if missing or unknown:
        raise ValueError(
            f"Transitions of {machine.model.__name__} without an endpoint or a service: "
            f"{missing}; endpoints or services that are no transition: {unknown}."
        )

    def decorate(viewset):
        for name in machine.names:
            input_serializer, example = endpoints[name]
            setattr(
                viewset,
                name,
                transition_action(
                    machine,
                    name,
                    input_serializer=input_serializer,
                    example=example,
                    service=services[name],
                    output_serializer=output_serializer,
                ),
            )
        return viewset

    return decorate


def timeline_actions(
    *,
    event_serializer: type[EventSerializer],
    note_input_serializer,
    note_service: Callable,
    note_example: str,
    tag: str = "timeline",
):
    """A mixin with `timeline/`, `timeline/verify/` and `notes/` for a viewset.

    The viewset provides `get_object()`, `lifecycle_record_kwarg`, and may override
    `timeline_events(record)` (the queryset of its events) and `timeline_redact(events)` (what
    this caller may not see in their changes).
    """

    class TimelineActions:
        def timeline_events(self, record):
            return Event.objects.filter(stream=record.stream).select_related("actor")

        def timeline_redact(self, events):
            return None

        @extend_schema(
            summary="The timeline (its events, oldest first)",
            parameters=CURSOR_PAGE,
            responses=responses({200: event_serializer(many=True)}, 400, 401, 403, 404),
            tags=[tag],
        )
        @action(
            detail=True,
            methods=["get"],
            pagination_class=EventCursorPagination,
            filterset_class=None,
        )
        def timeline(self, request, pk=None):
            record = self.get_object()
            page = self.paginator.paginate_queryset(
                self.timeline_events(record), request, view=self
            )
            context = {"request": request, "redact": self.timeline_redact(page)}
            return self.paginator.get_paginated_response(
                event_serializer(page, many=True, context=context).data
            )

        @extend_schema(
            summary="Recompute the hash chain of the timeline",
            responses=responses({200: ChainVerificationSerializer}, 401, 403, 404),
            tags=[tag],
        )
        @action(
            detail=True,
            methods=["get"],
            url_path="timeline/verify",
            url_name="verify",
            pagination_class=None,
            filterset_class=None,
        )
        def verify(self, request, pk=None):
            record = self.get_object()
            return Response(ChainVerificationSerializer(verify_stream(record.stream)).data)

        @extend_schema(
            summary="Add a note to the timeline",
            description="A stale `If-Match` is refused (412) like on every other write.",
            parameters=[IF_MATCH],
            request=note_input_serializer,
            responses=responses({201: event_serializer}, 400, 401, 403, 404, 412),
            examples=[OpenApiExample("note", value={"note": note_example}, request_only=True)],
            tags=[tag],
        )
        @action(detail=True, methods=["post"], pagination_class=None, filterset_class=None)
        def notes(self, request, pk=None):
            record = self.get_object()
            version = expected_version(request)
            check_version(version, record.version)
            serializer = note_input_serializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            event = note_service(
                **{self.lifecycle_record_kwarg: record.pk},
                actor=request.user,
                expected_version=version,
                **serializer.validated_data,
            )
            return Response(
                event_serializer(event, context={"request": request}).data,
                status=status.HTTP_201_CREATED,
            )

    return TimelineActions
