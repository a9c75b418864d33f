"""Communications, the tone check and templates over the API: their output and each input."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from crisis_api.fields import (
    HttpUrlField,
    SingleLineCharField,
    StrictCharField,
    StrictUUIDField,
    fail,
    has_visible_characters,
)
from crisis_api.serializers import StrictInputSerializer
from incidents.communications import placeholders
from incidents.communications.models import (
    BODY_MAX_LENGTH,
    TEMPLATE_NAME_MAX_LENGTH,
    URL_MAX_LENGTH,
    Audience,
    Communication,
    CommunicationChannel,
    Language,
    Template,
)
from incidents.communications.services import unknown_placeholders_message
from incidents.communications.state import communication_machine
from incidents.communications.tone import CODES
from incidents.models import Severity
from incidents.monitoring.models import Signal

REASON_MAX_LENGTH = 5_000
TRANSITIONS = ", ".join(communication_machine.names)
USE_A_TRANSITION = _(
    "Read-only: the status changes only through a transition (POST "
    "/api/v1/communications/{id}/<transition>/: approve, publish, withdraw)."
)


# --- Output ---------------------------------------------------------------------------------


class ToneWarningSerializer(serializers.Serializer):
    """One finding of the tone check."""

    code = serializers.ChoiceField(choices=[(code, code) for code in CODES])
    message = serializers.CharField(help_text=_("What to change, in the text's language."))
    excerpt = serializers.CharField(
        help_text=_('The words at fault ("" when the fault is something missing).')
    )


class CommunicationSerializer(serializers.ModelSerializer):
    """A communication as every endpoint returns it."""

    incident = serializers.UUIDField(source="incident_id", read_only=True)
    template = serializers.UUIDField(source="template_id", allow_null=True, read_only=True)
    in_reply_to = serializers.UUIDField(source="in_reply_to_id", allow_null=True, read_only=True)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    approved_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    published_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    tone_warnings = ToneWarningSerializer(many=True, read_only=True)
    needs_approval = serializers.BooleanField(
        read_only=True,
        help_text=_(
            "A manager approves it before it is published (its incident is high or critical, "
            "or confidential)."
        ),
    )
    available_transitions = serializers.SerializerMethodField(
        help_text=_("Transitions the caller may run now.")
    )

    class Meta:
        model = Communication
        fields = [
            "id", "incident", "channel", "audience", "language", "body", "template",
            "in_reply_to", "status", "needs_approval", "tone_warnings", "url",
            "withdrawal_reason", "created_by", "created_at", "approved_by", "approved_at",
            "published_by", "published_at", "withdrawn_at", "updated_at", "version",
            "available_transitions",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(
        serializers.ListField(child=serializers.ChoiceField(choices=communication_machine.names))
    )
    def get_available_transitions(self, communication: Communication) -> list[str]:
        return communication_machine.for_user(communication, self.context["request"].user)


class ToneCheckSerializer(serializers.Serializer):
    """The tone check's findings (nothing is stored)."""

    tone_warnings = ToneWarningSerializer(many=True)


class TemplateSerializer(serializers.ModelSerializer):
    """A holding statement."""

    channel = serializers.ChoiceField(
        choices=CommunicationChannel.choices,
        allow_null=True,
        help_text=_("Null: the template suits every channel."),
    )
    placeholders = serializers.SerializerMethodField(
        help_text=_("The placeholders its body uses, in order.")
    )

    class Meta:
        model = Template
        fields = [
            "id", "name", "language", "channel", "body", "placeholders", "created_at",
            "updated_at",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_placeholders(self, template: Template) -> list[str]:
        return placeholders.placeholders_in(template.body)

    def to_representation(self, template: Template):
        data = super().to_representation(template)
        data["channel"] = data["channel"] or None
        return data


# --- Input ---------------------------------------------------------------------------------


class TextField(StrictCharField):
    """A text a reader sees: at most `max_length` characters, not only blanks."""

    default_error_messages = {"invisible": _("Write something a reader can see.")}

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not has_visible_characters(value):
            fail(self, "invisible")
        return value


def _body(**kwargs) -> TextField:
    return TextField(max_length=BODY_MAX_LENGTH, **kwargs)


class SignalOfIncidentField(StrictUUIDField):
    """A signal of the incident in the context, by id."""

    default_error_messages = {"not_here": _("No signal %(id)s on this incident.")}

    def to_internal_value(self, data):
        if data is None:
            return None
        pk = super().to_internal_value(data)
        signal = Signal.objects.filter(pk=pk, incident_id=self.context["incident"].pk).first()
        if signal is None:
            fail(self, "not_here", id=pk)
        return signal


class CommunicationCreateInputSerializer(StrictInputSerializer):
    """A new communication: its `body`, or a `template` filled from the incident (one of them).

    `language` is required with a body; with a template it defaults to the template's (and
    must match it). It starts as a draft, tone-checked.
    """

    read_only_hints = {"status": _("Read-only: every communication starts as a draft.")}

    channel = serializers.ChoiceField(choices=CommunicationChannel.choices)
    audience = serializers.ChoiceField(choices=Audience.choices)
    language = serializers.ChoiceField(choices=Language.choices, required=False)
    body = _body(required=False)
    template = StrictUUIDField(
        required=False,
        allow_null=True,
        help_text=_(
            "A template's id: its placeholders are filled from the incident. Give this or a body."
        ),
    )
    in_reply_to = SignalOfIncidentField(
        required=False, allow_null=True, help_text=_("A signal of this incident it answers.")
    )

    def validate_template(self, value):
        if value is None:
            return None
        template = Template.objects.filter(pk=value).first()
        if template is None:
            raise serializers.ValidationError(_("No template %(id)s.") % {"id": value})
        return template

    def validate(self, attrs):
        body, template = attrs.get("body"), attrs.get("template")
        if body is not None and template is not None:
            message = _("Give either a body or a template, not both.")
            raise serializers.ValidationError({"body": [message], "template": [message]})
        if body is None and template is None:
            message = _("Give a body, or a template to fill from the incident.")
            raise serializers.ValidationError({"body": [message], "template": [message]})
        if body is not None and "language" not in attrs:
            raise serializers.ValidationError(
                {"language": [_("Give the language (fr or en) of the body.")]}
            )
        return attrs


class CommunicationUpdateInputSerializer(StrictInputSerializer):
    """The fields of a draft PATCH may change; the tone is checked again."""

    read_only_hints = {
        "status": USE_A_TRANSITION,
        "template": _("Only when drafting: send the new `body` instead."),
        **{
            name: _("Read-only: set by the service or a transition, not by PATCH.")
            for name in (
                "id", "incident", "needs_approval", "tone_warnings", "url", "withdrawal_reason",
                "created_by", "created_at", "approved_by", "approved_at", "published_by",
                "published_at", "withdrawn_at", "updated_at", "version", "available_transitions",
            )
        },
    }  # fmt: skip

    channel = serializers.ChoiceField(choices=CommunicationChannel.choices, required=False)
    audience = serializers.ChoiceField(choices=Audience.choices, required=False)
    language = serializers.ChoiceField(choices=Language.choices, required=False)
    body = _body(required=False)
    in_reply_to = SignalOfIncidentField(required=False, allow_null=True)


class CommunicationApproveInputSerializer(StrictInputSerializer):
    """Approve: a manager agrees to publish it as it is (no body needed)."""


class CommunicationPublishInputSerializer(StrictInputSerializer):
    """Publish: where it was posted, if it has an address."""

    url = HttpUrlField(
        max_length=URL_MAX_LENGTH,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("Where it was posted (http or https)."),
    )


class CommunicationWithdrawInputSerializer(StrictInputSerializer):
    """Withdraw: why (a retraction, when it was published)."""

    reason = TextField(max_length=REASON_MAX_LENGTH)


class ToneCheckInputSerializer(StrictInputSerializer):
    """A text to check, as a draft would be checked; nothing is stored."""

    text = _body()
    language = serializers.ChoiceField(choices=Language.choices)
    severity = serializers.ChoiceField(
        choices=Severity.choices,
        required=False,
        allow_null=True,
        default=None,
        help_text=_("The incident's; high and critical ones need an acknowledgement."),
    )
    channel = serializers.ChoiceField(
        choices=CommunicationChannel.choices,
        required=False,
        allow_null=True,
        default=None,
        help_text=_("Where it will be published; sets the length limit."),
    )


class TemplateBodyField(TextField):
    """A template's body: documented placeholders only."""

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        unknown = placeholders.unknown_placeholders(value)
        if unknown:
            raise serializers.ValidationError(unknown_placeholders_message(unknown))
        return value


class TemplateCreateInputSerializer(StrictInputSerializer):
    """A new holding statement."""

    name = SingleLineCharField(max_length=TEMPLATE_NAME_MAX_LENGTH)
    language = serializers.ChoiceField(choices=Language.choices)
    channel = serializers.ChoiceField(
        choices=CommunicationChannel.choices, required=False, allow_null=True, default=None
    )
    body = TemplateBodyField(
        max_length=BODY_MAX_LENGTH,
        help_text=_(
            "With placeholders from: {reference}, {title}, {owner}, {severity}, {detected_at}, "
            "{channel}."
        ),
    )


class TemplateUpdateInputSerializer(StrictInputSerializer):
    """The fields of a template PATCH may change."""

    read_only_hints = {
        name: _("Read-only.") for name in ("id", "placeholders", "created_at", "updated_at")
    }

    name = SingleLineCharField(max_length=TEMPLATE_NAME_MAX_LENGTH, required=False)
    language = serializers.ChoiceField(choices=Language.choices, required=False)
    channel = serializers.ChoiceField(
        choices=CommunicationChannel.choices, required=False, allow_null=True
    )
    body = TemplateBodyField(max_length=BODY_MAX_LENGTH, required=False)
