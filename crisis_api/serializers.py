"""Serializer helpers shared by every resource."""

from django.contrib.auth import get_user_model
from rest_framework import serializers


class StrictInputSerializer(serializers.Serializer):
    """Refuses fields it does not know, so a typo or a read-only field never passes silently.

    `read_only_hints` maps read-only field names to what the caller should do instead.
    """

    read_only_hints: dict[str, str] = {}

    def to_internal_value(self, data):
        refused = {
            name: [self.read_only_hints.get(name, "Unknown field; see the schema for the "
                                                  "accepted fields.")]
            for name in (data if isinstance(data, dict) else ())
            if name not in self.fields
        }  # fmt: skip
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if refused and isinstance(exc.detail, dict):
                exc.detail.update(refused)
            raise
        if refused:
            raise serializers.ValidationError(refused)
        return value


class UsernameField(serializers.SlugRelatedField):
    """An active user named by username, in and out."""

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", get_user_model().objects.filter(is_active=True))
        super().__init__(slug_field="username", **kwargs)

    default_error_messages = {
        "does_not_exist": "No active user is named {value}.",
        "invalid": "Give a username.",
    }

    def to_internal_value(self, data):
        if isinstance(data, str) and "\x00" in data:  # PostgreSQL text cannot hold NUL
            self.fail("invalid")
        return super().to_internal_value(data)
