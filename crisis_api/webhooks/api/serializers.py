"""How webhook endpoints, deliveries and attempts are read and written over the API."""

import re

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from crisis_api.fields import (
    BoundedListField,
    HttpUrlField,
    SingleLineCharField,
    StrictBooleanField,
)
from crisis_api.serializers import StrictInputSerializer
from crisis_api.webhooks.models import Attempt, Delivery, Endpoint

EVENT_TYPE = re.compile(r"\*|[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+")


class EventTypeField(SingleLineCharField):
    """An event action such as `incident.resolved`, or `*` for every event."""

    default_error_messages = {
        "event_type": _("Give an event action such as incident.resolved, or * for all events."),
    }

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not EVENT_TYPE.fullmatch(value):
            self.fail("event_type")
        return value


class EndpointInputSerializer(StrictInputSerializer):
    """Register a receiver: an http(s) URL reaching a public address, and the event actions it
    wants (`["*"]` for all). The signing secret is in the response, once."""

    url = HttpUrlField(max_length=2000)
    event_types = BoundedListField(child=EventTypeField(max_length=100), max_length=100,
                                   allow_empty=False)  # fmt: skip
    active = StrictBooleanField(required=False, default=True)
    description = SingleLineCharField(max_length=500, required=False, default="", allow_blank=True)
    allow_confidential = StrictBooleanField(
        required=False, default=False,
        help_text="Whether confidential incidents' events go to this endpoint.",
    )  # fmt: skip

    def validate_event_types(self, value):
        return list(dict.fromkeys(value))


class EndpointUpdateInputSerializer(EndpointInputSerializer):
    """Change an endpoint: any of its fields (setting `active` to true sends what waited)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, partial=True, **kwargs)


class EndpointSerializer(serializers.ModelSerializer):
    """A registered receiver (its secret is never shown again after creation or rotation)."""

    class Meta:
        model = Endpoint
        fields = [
            "id", "url", "event_types", "active", "description", "allow_confidential",
            "disabled_reason", "previous_secret_expires_at", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


class EndpointWithSecretSerializer(EndpointSerializer):
    """The endpoint with its signing secret: the only time the secret is shown."""

    secret = serializers.CharField(read_only=True, help_text="whsec_… Keep it; shown once.")

    class Meta(EndpointSerializer.Meta):
        fields = [*EndpointSerializer.Meta.fields, "secret"]
        read_only_fields = fields


class AttemptSerializer(serializers.ModelSerializer):
    """One try at sending: the receiver's status code (null: no answer) or the error."""

    class Meta:
        model = Attempt
        fields = ["at", "status_code", "duration_ms", "error"]
        read_only_fields = fields


class DeliverySerializer(serializers.ModelSerializer):
    """One event for one endpoint, with every attempt so far."""

    webhook_id = serializers.CharField(source="event_id", read_only=True)
    type = serializers.CharField(source="payload.type", read_only=True)
    attempts = AttemptSerializer(source="attempt_set", many=True, read_only=True)
    attempt_count = serializers.IntegerField(source="attempts", read_only=True)

    class Meta:
        model = Delivery
        fields = [
            "id", "endpoint", "webhook_id", "type", "stream", "sequence", "state",
            "attempt_count", "next_attempt_at", "created_at", "finished_at", "attempts",
        ]  # fmt: skip
        read_only_fields = fields
