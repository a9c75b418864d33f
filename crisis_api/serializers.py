"""Serializer helpers shared by every resource."""

from django.contrib.auth import get_user_model
from rest_framework import serializers


class StrictInputSerializer(serializers.Serializer):
    """Refuses fields it does not know, so a typo or a read-only field never passes silently.

    `read_only_hints` maps read-only field names to what the caller should do instead.
    """

    read_only_hints: dict[str, str] = {}

    def to_internal_value(self, data):
        errors = {}
        if isinstance(data, dict):
            for name in data:
                if name in self.fields:
                    continue
                hint = self.read_only_hints.get(name)
                errors[name] = [hint or "Unknown field; see the schema for the accepted fields."]
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if isinstance(exc.detail, dict):
                exc.detail.update(
                    {k: [serializers.ErrorDetail(v[0], "invalid")] for k, v in errors.items()}
                )
            raise
        if errors:
            raise serializers.ValidationError(errors)
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
