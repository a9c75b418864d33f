"""Output serializers of the platform's endpoints."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from crisis_api.models import ApiToken, TokenState


class ApiTokenSerializer(serializers.ModelSerializer):
    """A token as its owner and managers see it: by prefix, never its secret or digest."""

    user = serializers.SlugRelatedField(
        slug_field="username", read_only=True, help_text=_("The owner's username.")
    )
    state = serializers.ChoiceField(
        choices=TokenState.choices,
        read_only=True,
        help_text=_("Revoked if revoked_at is set, else expired once expires_at has passed."),
    )

    class Meta:
        model = ApiToken
        fields = [
            "id", "prefix", "name", "user", "created_at", "expires_at", "last_used_at",
            "revoked_at", "state",
        ]  # fmt: skip
        read_only_fields = fields
