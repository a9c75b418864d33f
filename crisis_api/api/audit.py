"""The audit endpoints (managers): signed checkpoints of the log, and verifying against one."""

from django.core.exceptions import ImproperlyConfigured
from django.db.models.fields.json import KT
from django.http import Http404
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from crisis_api.auth.permissions import API_PERMISSIONS
from crisis_api.errors import NOT_VISIBLE
from crisis_api.events.checkpoints import FORMAT, document_errors, verify_against
from crisis_api.middleware import max_body_size
from crisis_api.models import AuditCheckpoint
from crisis_api.schema import responses
from crisis_api.serializers import StrictInputSerializer

AUDIT_PERMISSION = "crisis_api.view_auditcheckpoint"
# A checkpoint names every stream (about 110 bytes each): room for ~150,000 streams.
MAX_CHECKPOINT_BYTES = 16 * 1024 * 1024

HEAD = {"sequence": 6, "hash": "9f2c" + "0" * 60}
DOCUMENT_EXAMPLE = {
    "format": FORMAT,
    "created_at": "2026-11-25T23:00:00.000000Z",
    "events": 9,
    "streams": {
        "incident:5b0e7a0c-3f5e-4a53-9a53-0a6b7f1e2d3c": HEAD,
        "system": {"sequence": 3, "hash": "41d7" + "0" * 60},
    },
    "signature": "c0ffee" + "0" * 58,
}
VERDICT_EXAMPLE = {
    "valid": False,
    "signature_valid": True,
    "checkpoint_created_at": "2026-11-25T23:00:00.000000Z",
    "streams_checked": 2,
    "events_checked": 8,
    "problems": [
        {
            "stream": "incident:5b0e7a0c-3f5e-4a53-9a53-0a6b7f1e2d3c",
            "problem": "cut_short",
            "detail": "It had 6 events at the checkpoint; event 6 is gone.",
        }
    ],
}


class ManagesAudit(permissions.BasePermission):
    """Managers (crisis_api.view_auditcheckpoint) only."""

    message = gettext_lazy(
        "Only managers may read audit checkpoints and verify the log (it needs the "
        "crisis_api.view_auditcheckpoint permission)."
    )

    def has_permission(self, request, view):
        return request.user.has_perm(AUDIT_PERMISSION)


class KeyMissing(APIException):
    status_code = 503
    default_detail = gettext_lazy(
        "Audit checkpoints are not configured on this server (AUDIT_CHECKPOINT_KEY); ask its "
        "operators."
    )
    default_code = "not_configured"


class AuditCheckpointSerializer(serializers.ModelSerializer):
    """One checkpoint; its document (GET …/{id}/) is the signed JSON to keep elsewhere."""

    signature = serializers.CharField(help_text="The document's HMAC-SHA256 signature.")
    document_url = serializers.HyperlinkedIdentityField(view_name="auditcheckpoint-detail")

    class Meta:
        model = AuditCheckpoint
        fields = ["id", "created_at", "streams", "events", "signature", "document_url"]
        read_only_fields = fields


class HeadSerializer(serializers.Serializer):
    """A stream's head: its last event's sequence and hash."""

    sequence = serializers.IntegerField(min_value=1)
    hash = serializers.CharField(min_length=64, max_length=64)


class CheckpointDocumentSerializer(serializers.Serializer):
    """A checkpoint as `audit_checkpoint` writes it, signature included."""

    format = serializers.ChoiceField(choices=[FORMAT])
    created_at = serializers.CharField(max_length=40)
    events = serializers.IntegerField(min_value=0)
    streams = serializers.DictField(child=HeadSerializer(), help_text="{stream: head}")
    signature = serializers.CharField(
        min_length=64, max_length=64, help_text="HMAC-SHA256 (hex) of the rest, canonical JSON."
    )


class HeadInputSerializer(StrictInputSerializer, HeadSerializer):
    """A stream's head: its last event's sequence and hash."""


class CheckpointInputSerializer(StrictInputSerializer):
    """A checkpoint exactly as downloaded (the view checks it field by field)."""

    format = serializers.ChoiceField(choices=[FORMAT])
    created_at = serializers.CharField(max_length=40)
    events = serializers.IntegerField(min_value=0)
    streams = serializers.DictField(child=HeadInputSerializer(), help_text="{stream: head}")
    signature = serializers.CharField(min_length=64, max_length=64)


class StreamProblemSerializer(serializers.Serializer):
    """A stream that differs from the checkpoint, or is broken now."""

    stream = serializers.CharField()
    problem = serializers.ChoiceField(choices=["gone", "cut_short", "rewritten", "broken"])
    detail = serializers.CharField()


class VerdictSerializer(serializers.Serializer):
    """The log against a checkpoint: its signature first, then every stream."""

    valid = serializers.BooleanField()
    signature_valid = serializers.BooleanField(
        help_text="False: not signed with this server's key, or edited; nothing was checked."
    )
    checkpoint_created_at = serializers.CharField(allow_null=True)
    streams_checked = serializers.IntegerField()
    events_checked = serializers.IntegerField()
    problems = StreamProblemSerializer(many=True)


@extend_schema(tags=["audit"])
class AuditCheckpointViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Signed checkpoints of the event log, newest first."""

    permission_classes = [*API_PERMISSIONS, ManagesAudit]
    serializer_class = AuditCheckpointSerializer
    queryset = AuditCheckpoint.objects.all()
    # Any segment reaches the view, so the role is checked (403) before the id is judged (404).
    lookup_value_regex = "[^/]+"
    filterset_class = None
    cursor_orderings = {"-created_at": ("-created_at", "-id")}
    default_cursor_ordering = "-created_at"

    def get_queryset(self):
        if self.action == "list":
            # The list shows the signature, not the document (which names every stream).
            return AuditCheckpoint.objects.defer("document").annotate(
                signature=KT("document__signature")
            )
        return AuditCheckpoint.objects.all()

    def get_object(self):
        pk = self.kwargs[self.lookup_field]
        if not (pk.isascii() and pk.isdigit() and len(pk) <= 18):  # no such checkpoint
            raise Http404(NOT_VISIBLE)
        return super().get_object()

    @extend_schema(
        summary=gettext_lazy("List audit checkpoints (managers)"),
        description=gettext_lazy(
            "Newest first. `audit_checkpoint` records one (a scheduled task runs it); each is "
            "also sent as an `audit.checkpoint` webhook."
        ),
        responses=responses({200: AuditCheckpointSerializer(many=True)}, 400, 401, 403),
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        summary=gettext_lazy("Download a checkpoint (the signed JSON)"),
        description=gettext_lazy(
            "Exactly the JSON `audit_checkpoint --output` writes: keep it away from the "
            "database, then POST it to /api/v1/audit/verify/ or run "
            "`verify_audit --checkpoint FILE`."
        ),
        responses=responses({200: CheckpointDocumentSerializer}, 401, 403, 404),
        examples=[OpenApiExample("A checkpoint", value=DOCUMENT_EXAMPLE, response_only=True)],
    )
    def retrieve(self, request, *args, **kwargs):
        checkpoint = self.get_object()
        response = Response(checkpoint.document)
        response["Content-Disposition"] = (
            f'attachment; filename="audit-checkpoint-{checkpoint.pk}.json"'
        )
        return response


class AuditVerifyView(APIView):
    """Verify the event log against a checkpoint."""

    permission_classes = [*API_PERMISSIONS, ManagesAudit]

    @extend_schema(
        operation_id="audit_verify",
        summary=gettext_lazy("Verify the log against a checkpoint (managers)"),
        description=gettext_lazy(
            "The signature is checked first (`signature_valid`: false, nothing else checked). "
            "Then every chain is recomputed and each stream of the checkpoint is compared with "
            "the log: `gone` (no events now), `cut_short` (fewer events than then), "
            "`rewritten` (not the event recorded then); any stream broken now, or whose record "
            "disagrees with it, is `broken`. The same verdict as "
            "`verify_audit --checkpoint FILE`."
        ),
        request=CheckpointInputSerializer,
        responses={
            **responses({200: VerdictSerializer}, 400, 401, 403, 413),
            503: OpenApiResponse(description="AUDIT_CHECKPOINT_KEY is not configured."),
        },
        examples=[
            OpenApiExample("A checkpoint", value=DOCUMENT_EXAMPLE, request_only=True),
            OpenApiExample("A stream cut short", value=VERDICT_EXAMPLE, response_only=True),
        ],
        tags=["audit"],
    )
    @max_body_size(MAX_CHECKPOINT_BYTES)
    def post(self, request):
        errors = document_errors(request.data)
        if errors:
            raise ValidationError({name: [message] for name, message in errors.items()})
        try:
            verdict = verify_against(request.data)
        except ImproperlyConfigured as error:
            raise KeyMissing() from error
        return Response(VerdictSerializer(verdict).data)
