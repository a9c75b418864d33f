"""The communication endpoints: an incident's communications, one communication and its
transitions, the tone check, and templates. Views parse input, call one service, render."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import generics, mixins, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from crisis_api.auth.permissions import API_PERMISSIONS
from crisis_api.concurrency import check_version, expected_version
from crisis_api.errors import InvalidInput
from crisis_api.lifecycle.api import ETAG, IF_MATCH, with_etag, with_transition_actions
from crisis_api.schema import problem_example, responses
from incidents.communications import selectors, services
from incidents.communications.api import serializers as s
from incidents.communications.api.permissions import (
    CommunicationPermission,
    DrafterPermission,
    TemplatePermission,
)
from incidents.communications.errors import CommunicationClosed, IncidentClosed
from incidents.communications.models import Communication, Template
from incidents.communications.state import communication_machine
from incidents.communications.tone import tone_check
from incidents.selectors import incidents_visible_to

UUID_PATTERN = "[0-9a-fA-F-]{36}"
LOCATION = OpenApiParameter(
    "Location", str, OpenApiParameter.HEADER, response=[201], description="The new resource."
)

COMMUNICATION_EXAMPLE = {
    "id": "7d1e2f3a-4b5c-4d6e-8f90-a1b2c3d4e5f6",
    "incident": "3f6c1d2e-8a4b-4c5d-9e7f-0a1b2c3d4e5f",
    "channel": "x", "audience": "customers", "language": "fr",
    "body": "C'EST DE VOTRE FAUTE !! Lisez les CGV.",
    "template": None, "in_reply_to": None, "status": "draft", "needs_approval": True,
    "tone_warnings": [
        {"code": "shouting",
         "message": "Les mots en capitales se lisent comme des cris ; écrivez-les en minuscules.",
         "excerpt": "C'EST DE VOTRE FAUTE"},
        {"code": "repeated_punctuation",
         "message": "La ponctuation répétée (!!, ?!) paraît agitée ; terminez chaque phrase "
                    "par un seul signe.",
         "excerpt": "!!"},
    ],
    "url": "", "withdrawal_reason": "", "created_by": "alice",
    "created_at": "2026-11-25T09:00:00Z", "approved_by": None, "approved_at": None,
    "published_by": None, "published_at": None, "withdrawn_at": None,
    "updated_at": "2026-11-25T09:00:00Z", "version": 1,
    "available_transitions": ["approve", "withdraw"],
}  # fmt: skip
COMMUNICATION_EXAMPLES = [
    OpenApiExample("A draft with tone warnings", value=COMMUNICATION_EXAMPLE, response_only=True)
]
TRANSITION_ENDPOINTS = {
    "approve": (s.CommunicationApproveInputSerializer, {}),
    "publish": (
        s.CommunicationPublishInputSerializer,
        {"url": "https://x.com/mamarque/status/1861234567890"},
    ),
    "withdraw": (
        s.CommunicationWithdrawInputSerializer,
        {"reason": "Superseded by the full statement on our website."},
    ),
}
CLOSED_409 = problem_example(
    "Not a draft any more (or its incident is closed)",
    CommunicationClosed("published", ["withdraw"]),
)
INCIDENT_CLOSED_409 = problem_example(
    "The incident is closed (reviewed)", IncidentClosed("CR-2026-0042", "reviewed")
)
TEMPLATE_400 = problem_example(
    "Invalid input, e.g. an unknown placeholder",
    InvalidInput(
        {"body": ["Unknown placeholders: {customer}. Use only: {reference}, {title}, {owner}, "
                  "{severity}, {detected_at}, {channel}."]}
    ),
)  # fmt: skip


class IncidentCommunicationsView(generics.ListAPIView):
    """`/api/v1/incidents/{id}/communications/`: list them, or draft one."""

    serializer_class = s.CommunicationSerializer
    permission_classes = [*API_PERMISSIONS, CommunicationPermission]
    cursor_orderings = {
        "-created_at": ("-created_at", "-id"),
        "created_at": ("created_at", "id"),
    }
    default_cursor_ordering = "-created_at"

    @property
    def action(self):
        return "create" if self.request.method == "POST" else "list"

    def get_incident(self):
        incidents = incidents_visible_to(self.request.user)
        return get_object_or_404(incidents, pk=self.kwargs["incident_id"])

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Communication.objects.none()
        return selectors.incident_communications(incident=self.get_incident())

    @extend_schema(
        operation_id="incidents_communications_list",
        summary=_("List an incident's communications (newest first)"),
        responses=responses({200: s.CommunicationSerializer(many=True)}, 400, 401, 403, 404),
        examples=COMMUNICATION_EXAMPLES,
    )
    def get(self, request, *args, **kwargs):
        return self.list(request, *args, **kwargs)

    @extend_schema(
        operation_id="incidents_communications_create",
        summary=_("Draft a communication (tone-checked; status draft)"),
        description=s.CommunicationCreateInputSerializer.__doc__,
        request=s.CommunicationCreateInputSerializer,
        parameters=[ETAG, LOCATION],
        responses=responses({201: s.CommunicationSerializer}, 400, 401, 403, 404, 409,
                            s409=INCIDENT_CLOSED_409),
        examples=[
            OpenApiExample(
                "A reply",
                value={"channel": "x", "audience": "customers", "language": "fr",
                       "body": "Nous sommes désolés pour ce retard. Nous vous répondons en "
                               "message privé d'ici ce soir.",
                       "in_reply_to": "5f0c8d1e-2b7a-4c61-9d0e-3a1b2c4d5e6f"},
                request_only=True,
            ),
            OpenApiExample(
                "From a template",
                value={"channel": "website", "audience": "public",
                       "template": "0b6a4f1e-2c3d-4e5f-8a9b-0c1d2e3f4a5b"},
                request_only=True,
            ),
            *COMMUNICATION_EXAMPLES,
        ],
    )  # fmt: skip
    def post(self, request, incident_id):
        incident = self.get_incident()  # 404
        if not request.user.has_perm("communications.add_communication"):  # 403
            self.permission_denied(request, message=CommunicationPermission.message)
        services.check_incident_open(incident)  # 409, whatever the input
        serializer = s.CommunicationCreateInputSerializer(
            data=request.data, context={"request": request, "incident": incident}
        )
        serializer.is_valid(raise_exception=True)  # 400
        communication = services.communication_draft(
            incident_id=incident.pk, actor=request.user, **serializer.validated_data
        )
        return communication_response(request, communication.pk, status.HTTP_201_CREATED)


def communication_response(request, communication_id, status_code=status.HTTP_200_OK):
    """The communication as the caller sees it now, with its ETag."""
    communication = selectors.communication_written(communication_id=communication_id)
    body = s.CommunicationSerializer(communication, context={"request": request}).data
    response = with_etag(Response(body, status=status_code), communication.version)
    if status_code == status.HTTP_201_CREATED:
        response["Location"] = request.build_absolute_uri(
            f"/api/v1/communications/{communication.pk}/"
        )
    return response


@extend_schema_view(
    retrieve=extend_schema(
        summary=_("Read a communication (ETag: its version)"),
        parameters=[ETAG],
        responses=responses({200: s.CommunicationSerializer}, 401, 403, 404),
        examples=COMMUNICATION_EXAMPLES,
    ),
    partial_update=extend_schema(
        summary=_("Edit a draft (the tone is checked again)"),
        description=_(
            "Only a draft can be edited: once approved, published or withdrawn, withdraw it "
            "and draft a new one (409)."
        ),
        parameters=[IF_MATCH, ETAG],
        request=s.CommunicationUpdateInputSerializer,
        responses=responses({200: s.CommunicationSerializer}, 400, 401, 403, 404, 409, 412,
                            s409=CLOSED_409),
        examples=[
            OpenApiExample(
                "A calmer text",
                value={"body": "Nous comprenons votre colère. Nous vous recontactons "
                               "aujourd'hui en message privé."},
                request_only=True,
            ),
            *COMMUNICATION_EXAMPLES,
        ],
    ),
)  # fmt: skip
@with_transition_actions(
    communication_machine,
    endpoints=TRANSITION_ENDPOINTS,
    services=services.TRANSITION_SERVICES,
    output_serializer=s.CommunicationSerializer,
)
class CommunicationViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """A communication: read, edit while a draft, approve, publish, withdraw."""

    serializer_class = s.CommunicationSerializer
    permission_classes = [*API_PERMISSIONS, CommunicationPermission]
    lookup_value_regex = UUID_PATTERN
    http_method_names = ["get", "post", "patch", "head", "options"]
    lifecycle_record_kwarg = "communication_id"
    pagination_class = None
    filterset_class = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Communication.objects.none()
        return selectors.communications_visible_to(self.request.user)

    def record_response(self, communication_id) -> Response:
        return communication_response(self.request, communication_id)

    def get_transition_context(self, name, communication):
        return {"request": self.request, "communication": communication}

    def retrieve(self, request, *args, **kwargs):
        communication = self.get_object()
        return with_etag(Response(self.get_serializer(communication).data), communication.version)

    def partial_update(self, request, pk=None):
        communication = self.get_object()  # 404, then 403
        version = expected_version(request)
        check_version(version, communication.version)  # 412
        services.check_editable(communication)  # 409
        services.check_incident_open(communication.incident)  # 409
        serializer = s.CommunicationUpdateInputSerializer(
            data=request.data, context={"request": request, "incident": communication.incident}
        )
        serializer.is_valid(raise_exception=True)  # 400
        services.communication_update(
            communication_id=communication.pk,
            actor=request.user,
            expected_version=version,
            **serializer.validated_data,
        )
        return self.record_response(communication.pk)


class ToneCheckView(APIView):
    """`POST /api/v1/tone-check/`: the tone warnings of a text; nothing is stored."""

    permission_classes = [*API_PERMISSIONS, DrafterPermission]
    action = "tone_check"

    @extend_schema(
        operation_id="tone_check",
        summary=_("Check the tone of a text (nothing is stored)"),
        description=_(
            "The warnings a draft would get: shouting, repeated_punctuation, insult, blame, "
            "sarcasm, denial, no_acknowledgement (severity high or critical only), "
            "no_next_step, too_long (needs the channel), unfilled_placeholder. Messages are "
            "in the text's language."
        ),
        request=s.ToneCheckInputSerializer,
        responses=responses({200: s.ToneCheckSerializer}, 400, 401, 403),
        examples=[
            OpenApiExample(
                "An angry reply",
                value={"text": "Oh great, another troll. Clearly you didn't read the terms!!",
                       "language": "en", "severity": "high", "channel": "x"},
                request_only=True,
            ),
            OpenApiExample(
                "Its warnings",
                value={"tone_warnings": [
                    {"code": "repeated_punctuation",
                     "message": "Repeated punctuation (!!, ?!) reads as agitated; end each "
                                "sentence with one mark.",
                     "excerpt": "!!"},
                    {"code": "insult",
                     "message": "Insulting or aggressive words; remove them and stay factual.",
                     "excerpt": "troll"},
                ]},
                response_only=True,
            ),
        ],
    )  # fmt: skip
    def post(self, request):
        serializer = s.ToneCheckInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        warnings = tone_check(
            data["text"],
            language=data["language"],
            severity=data["severity"],
            channel=data["channel"],
        )
        return Response(s.ToneCheckSerializer({"tone_warnings": warnings}).data)


TEMPLATE_EXAMPLE = {
    "name": "Holding statement",
    "language": "en",
    "channel": None,
    "body": "We are aware of the situation around {title} ({reference}) and we are sorry for "
    "the worry it causes. We are looking into it and will post an update here today.",
}


@extend_schema_view(
    list=extend_schema(
        summary=_("List templates (holding statements)"),
        responses=responses({200: s.TemplateSerializer(many=True)}, 400, 401, 403),
    ),
    retrieve=extend_schema(
        summary=_("Read a template"),
        responses=responses({200: s.TemplateSerializer}, 401, 403, 404),
    ),
    create=extend_schema(
        summary=_("Add a template (managers)"),
        request=s.TemplateCreateInputSerializer,
        parameters=[LOCATION],
        responses=responses({201: s.TemplateSerializer}, 400, 401, 403, s400=TEMPLATE_400),
        examples=[OpenApiExample("A holding statement", value=TEMPLATE_EXAMPLE,
                                 request_only=True)],
    ),
    partial_update=extend_schema(
        summary=_("Change a template (managers)"),
        request=s.TemplateUpdateInputSerializer,
        responses=responses({200: s.TemplateSerializer}, 400, 401, 403, 404, s400=TEMPLATE_400),
        examples=[OpenApiExample("A new body", value={"body": TEMPLATE_EXAMPLE["body"]},
                                 request_only=True)],
    ),
    destroy=extend_schema(
        summary=_("Delete a template (managers; communications keep their text)"),
        responses=responses({204: None}, 401, 403, 404),
    ),
)  # fmt: skip
class TemplateViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Templates: whoever may draft lists and reads them; managers change them."""

    serializer_class = s.TemplateSerializer
    permission_classes = [*API_PERMISSIONS, TemplatePermission]
    lookup_value_regex = UUID_PATTERN
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    filterset_class = None
    cursor_orderings = {"name": ("name", "language", "id")}
    default_cursor_ordering = "name"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Template.objects.none()
        return selectors.template_list()

    def create(self, request):
        serializer = s.TemplateCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        template = services.template_create(actor=request.user, **serializer.validated_data)
        response = Response(s.TemplateSerializer(template).data, status=status.HTTP_201_CREATED)
        response["Location"] = request.build_absolute_uri(f"{template.pk}/")
        return response

    def partial_update(self, request, pk=None):
        template = self.get_object()
        serializer = s.TemplateUpdateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        template = services.template_update(
            template_id=template.pk, actor=request.user, **serializer.validated_data
        )
        return Response(s.TemplateSerializer(template).data)

    def destroy(self, request, pk=None):
        template = self.get_object()
        services.template_delete(template_id=template.pk, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
