"""Query filters of the token list (documented in the schema by drf-spectacular)."""

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crisis_api.models import ApiToken, TokenState


class _UsernameField(forms.CharField):
    """A username as typed; one that cannot exist is a 400, not an empty page or a 500."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", get_user_model()._meta.get_field("username").max_length)
        super().__init__(**kwargs)

    def validate(self, value):
        super().validate(value)
        if "\x00" in value:  # PostgreSQL text cannot hold NUL
            raise forms.ValidationError(_("Give a username without NUL characters."))


class UsernameFilter(django_filters.CharFilter):
    """`?user=alice`: the tokens of one user."""

    field_class = _UsernameField


class ApiTokenFilter(django_filters.FilterSet):
    """Filters of `GET /api/v1/tokens/`."""

    user = UsernameFilter(
        field_name="user__username",
        label=gettext_lazy("Owner's username (managers see everyone's tokens)"),
    )
    state = django_filters.ChoiceFilter(
        choices=TokenState.choices, method="filter_state", label=gettext_lazy("Token state")
    )

    class Meta:
        model = ApiToken
        fields = ["user", "state"]

    def filter_state(self, queryset, name, value):
        return queryset.in_state(value)
