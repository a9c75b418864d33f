"""Actions over the API: the input of each operation, actions and the incident's summary."""

from datetime import timedelta
from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from crisis_api.clock import request_now
from crisis_api.currencies import ACTIVE_CURRENCIES
from crisis_api.events.changes import blank_choice_fields
from crisis_api.fields import (
    AwareDateTimeField,
    DecimalStringField,
    SingleLineCharField,
    StrictCharField,
    StrictIntegerField,
    fail,
)
from crisis_api.serializers import StrictInputSerializer, UsernameField
from incidents.actions import models as m
from incidents.actions.models import Action, Kind
from incidents.actions.state import action_machine

DESCRIPTION = 10_000  # characters
REASON = 5_000  # cancel and reopen reasons, the note of complete
BENEFICIARIES_MAX = 10**12
DUE_AT_MAX_AHEAD = timedelta(days=3650)  # a due date at most ten years ahead
NULL_WHEN_BLANK = blank_choice_fields(Action)  # currency: "" stored, null shown
AMOUNT_HELP = _(
    "Compensation only (required there): a decimal string above 0 with at most 2 decimals, at "
    'most 999999999999.99, e.g. "150.00"; not a JSON number.'
)


# --- Output ---------------------------------------------------------------------------------


class ActionsCompensationSerializer(serializers.Serializer):
    """Compensations in one currency (open and done; cancelled ones do not count)."""

    currency = serializers.CharField(help_text=_("ISO 4217 code."))
    total = serializers.DecimalField(
        max_digits=20, decimal_places=2, coerce_to_string=True, help_text=_("A decimal string.")
    )
    count = serializers.IntegerField()


class ActionsSummarySerializer(serializers.Serializer):
    """An incident's actions by status, and its compensations per currency."""

    open = serializers.IntegerField()
    done = serializers.IntegerField()
    cancelled = serializers.IntegerField()
    overdue = serializers.IntegerField(help_text=_("Open and past their due time."))
    compensation = ActionsCompensationSerializer(
        many=True,
        help_text=_(
            "Per currency (in code order), the total and count of compensations not cancelled "
            "(offered or paid)."
        ),
    )


class ActionSerializer(serializers.ModelSerializer):
    """An action as every endpoint returns it."""

    incident = serializers.UUIDField(source="incident_id", read_only=True)
    owner = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    amount = serializers.DecimalField(
        max_digits=m.AMOUNT_MAX_DIGITS,
        decimal_places=m.AMOUNT_DECIMAL_PLACES,
        coerce_to_string=True,
        allow_null=True,
        read_only=True,
        help_text=_("Compensation only: a decimal string."),
    )
    currency = serializers.CharField(
        allow_null=True, read_only=True, help_text=_("Compensation only: ISO 4217 code.")
    )
    overdue = serializers.SerializerMethodField(help_text=_("Open and past its due time."))
    available_transitions = serializers.SerializerMethodField(
        help_text=_("Transitions the caller may run now.")
    )

    class Meta:
        model = Action
        fields = [
            "id", "incident", "kind", "title", "description", "owner", "due_at", "amount",
            "currency", "beneficiaries", "status", "overdue", "completed_at", "cancelled_at",
            "cancel_reason", "from_review", "created_by", "created_at", "updated_at", "version",
            "available_transitions",
        ]  # fmt: skip
        read_only_fields = fields

    def get_overdue(self, action: Action) -> bool:
        return action.is_overdue(request_now(self.context.get("request")))

    @extend_schema_field(
        serializers.ListField(child=serializers.ChoiceField(choices=action_machine.names))
    )
    def get_available_transitions(self, action: Action) -> list[str]:
        return action_machine.for_user(action, self.context["request"].user)

    def to_representation(self, action: Action):
        data = super().to_representation(action)
        for name in NULL_WHEN_BLANK:
            data[name] = data[name] or None
        return data


# --- Input ---------------------------------------------------------------------------------


@extend_schema_field(
    {"type": "string", "enum": sorted(ACTIVE_CURRENCIES), "example": "EUR", "nullable": True}
)
class CurrencyField(SingleLineCharField):
    """An active ISO 4217 currency code, in capitals (`EUR`)."""

    default_error_messages = {
        "capitals": _("Write the currency code in capitals: %(code)s."),
        "unknown": _("%(code)s is not an active ISO 4217 currency code; give one such as EUR."),
    }

    def __init__(self, **kwargs):
        super().__init__(max_length=3, **kwargs)

    def to_internal_value(self, data):
        if isinstance(data, str) and len(data) > self.max_length:  # never echo a long value
            self.fail("max_length", max_length=self.max_length)
        code = super().to_internal_value(data)
        if code not in ACTIVE_CURRENCIES:
            if code.upper() in ACTIVE_CURRENCIES:
                fail(self, "capitals", code=code.upper())
            fail(self, "unknown", code=code)
        return code


class OwnerField(UsernameField):
    """The username of who does the action (checked by the service: an active responder or
    manager who can see the incident)."""


class _ActionFieldsInput(StrictInputSerializer):
    """The fields of an action, each optional (PATCH); omitted, a field keeps its value."""

    kind = serializers.ChoiceField(choices=Kind.choices, required=False)
    title = SingleLineCharField(max_length=m.TITLE_MAX_LENGTH, required=False)
    description = StrictCharField(max_length=DESCRIPTION, required=False, allow_blank=True)
    owner = OwnerField(
        required=False,
        allow_null=True,
        help_text=_(
            "Username of an active responder or manager who can see the incident; null: nobody yet."
        ),
    )
    due_at = AwareDateTimeField(
        required=False,
        allow_null=True,
        max_future=DUE_AT_MAX_AHEAD,
        help_text=_("ISO 8601 with a UTC offset, from 2000-01-01 to ten years from now."),
    )
    amount = DecimalStringField(
        max_digits=m.AMOUNT_MAX_DIGITS,
        decimal_places=m.AMOUNT_DECIMAL_PLACES,
        min_exclusive=Decimal(0),
        max_value=m.AMOUNT_MAX,
        required=False,
        allow_null=True,
        help_text=AMOUNT_HELP,
    )
    currency = CurrencyField(
        required=False,
        allow_null=True,
        help_text=_("Compensation only (required there): ISO 4217, e.g. EUR."),
    )
    beneficiaries = StrictIntegerField(
        min_value=0,
        max_value=BENEFICIARIES_MAX,
        required=False,
        allow_null=True,
        help_text=_("Compensation only (optional): the people it covers."),
    )


class ActionCreateInputSerializer(_ActionFieldsInput):
    """A new action (open): a compensation also needs `amount` and `currency`, and may give
    `beneficiaries`; other kinds take none of the three."""

    read_only_hints = {
        "status": _("Read-only: every action starts open."),
        "incident": _("Read-only: the incident is the one in the URL."),
    }

    kind = serializers.ChoiceField(choices=Kind.choices)
    title = SingleLineCharField(max_length=m.TITLE_MAX_LENGTH)


class ActionUpdateInputSerializer(_ActionFieldsInput):
    """The fields PATCH may change, in any status. Changing the kind to or from compensation
    sets (or clears with null) `amount` and `currency` in the same request."""

    read_only_hints = {
        "status": _(
            "Read-only: the status changes only through a transition "
            "(POST /api/v1/actions/{id}/complete/, cancel/ or reopen/)."
        ),
        **{
            name: _("Read-only: set by the service, not by PATCH.")
            for name in ("id", "incident", "overdue", "completed_at", "cancelled_at",
                         "cancel_reason", "from_review", "created_by", "created_at",
                         "updated_at", "version", "available_transitions")
        },
    }  # fmt: skip


class ActionCompleteInputSerializer(StrictInputSerializer):
    """Complete: the action is done (an optional note says how)."""

    note = StrictCharField(max_length=REASON, required=False, allow_blank=True, default="")


class ActionCancelInputSerializer(StrictInputSerializer):
    """Cancel: why the action will not be done."""

    reason = StrictCharField(max_length=REASON)


class ActionReopenInputSerializer(StrictInputSerializer):
    """Reopen: back to open (an optional reason says why)."""

    reason = StrictCharField(max_length=REASON, required=False, allow_blank=True, default="")
