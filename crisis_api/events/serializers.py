"""How events and chain verifications are shown over the API, for any resource's timeline."""

from rest_framework import serializers

from crisis_api.models import Event


class EventSerializer(serializers.ModelSerializer):
    """One entry of a timeline (and of the audit trail).

    A view may pass `redact` in the context: a function that takes an event's `changes` and
    returns what this caller may see of them (e.g. the id of a record they may not see).
    """

    actor = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True, help_text="Null for the system."
    )
    from_status = serializers.CharField(allow_null=True)
    to_status = serializers.CharField(allow_null=True)
    changes = serializers.DictField(
        child=serializers.DictField(), help_text='{field: {"from": old, "to": new}}'
    )
    data = serializers.DictField(help_text="Extra payload, e.g. the review record.")

    class Meta:
        model = Event
        fields = [
            "sequence",
            "at",
            "actor",
            "action",
            "from_status",
            "to_status",
            "changes",
            "note",
            "data",
            "request_id",
            "prev_hash",
            "hash",
        ]
        read_only_fields = fields

    def to_representation(self, event: Event):
        data = super().to_representation(event)
        data["from_status"] = data["from_status"] or None
        data["to_status"] = data["to_status"] or None
        redact = self.context.get("redact")
        if redact is not None:
            data["changes"] = redact(data["changes"])
        return data


def event_serializer_for(machine, name: str) -> type[EventSerializer]:
    """An EventSerializer whose statuses are the machine's states (an enum in the schema)."""
    choices = machine.field.choices
    attrs = {
        "from_status": serializers.ChoiceField(choices=choices, allow_null=True),
        "to_status": serializers.ChoiceField(choices=choices, allow_null=True),
        "__doc__": EventSerializer.__doc__,
        "__module__": __name__,
        "Meta": type("Meta", (EventSerializer.Meta,), {}),
    }
    return type(name, (EventSerializer,), attrs)


class ChainVerificationSerializer(serializers.Serializer):
    """The result of recomputing a stream's hash chain."""

    valid = serializers.BooleanField()
    events = serializers.IntegerField(help_text="Events checked.")
    first_invalid_sequence = serializers.IntegerField(
        allow_null=True,
        help_text="Null when valid, or when the chain is intact but the record disagrees with it.",
    )
    reason = serializers.CharField(help_text="What is wrong; empty when valid.")
