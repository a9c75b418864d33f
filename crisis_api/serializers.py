"""Serializer helpers shared by every resource."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from crisis_api.fields import (
    USERNAME_MAX_LENGTH,
    SingleLineCharField,
    fail,
)

UNKNOWN_FIELD = _("Unknown field; see the schema for the accepted fields.")


class StrictInputSerializer(serializers.Serializer):
    """Refuses fields it does not know, so a typo or a read-only field never passes silently.

    `read_only_hints` maps read-only field names to what the caller should do instead.
    """

    read_only_hints: dict[str, str] = {}

    def to_internal_value(self, data):
        refused = {
            name: [self.read_only_hints.get(name, UNKNOWN_FIELD)]
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


@extend_schema_field({"type": "string", "maxLength": USERNAME_MAX_LENGTH})
class UsernameField(serializers.SlugRelatedField):
    """An active user named by username, in and out."""

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", get_user_model().objects.filter(is_active=True))
        super().__init__(slug_field="username", **kwargs)

    default_error_messages = {
        "does_not_exist": _("No active user is named %(name)s."),
        "invalid": _("Give a username (a string)."),
    }

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        # A string of a username's length without control characters (NUL included, which
        # PostgreSQL text cannot hold), each refusal saying which.
        data = SingleLineCharField(max_length=USERNAME_MAX_LENGTH).run_validation(data)
        try:
            return self.get_queryset().get(username=data)
        except ObjectDoesNotExist:
            fail(self, "does_not_exist", name=data)
