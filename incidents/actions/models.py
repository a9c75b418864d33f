"""Actions: fixes, compensations, statements, legal steps and follow-ups, each tracked to done."""

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import FSMField, FSMModelMixin, transition

from crisis_api.currencies import ACTIVE_CURRENCIES
from incidents.models import Incident

TITLE_MAX_LENGTH = 200
# Amounts: up to 999,999,999,999.99 in the currency's unit.
AMOUNT_MAX_DIGITS = 14
AMOUNT_DECIMAL_PLACES = 2
AMOUNT_MAX = Decimal("999999999999.99")


class Kind(models.TextChoices):
    FIX = "fix", _("Fix")
    COMPENSATION = "compensation", _("Compensation")
    COMMUNICATION = "communication", pgettext_lazy("action kind", "Communication")
    LEGAL = "legal", _("Legal")
    INTERNAL = "internal", _("Internal")
    FOLLOW_UP = "follow_up", _("Follow-up")


class Status(models.TextChoices):
    OPEN = "open", pgettext_lazy("action status", "Open")
    DONE = "done", pgettext_lazy("action status", "Done")
    CANCELLED = "cancelled", pgettext_lazy("action status", "Cancelled")


def currency_choices() -> list[tuple[str, str]]:
    """The active ISO 4217 codes (a callable: amending the list needs no migration)."""
    return [(code, code) for code in sorted(ACTIVE_CURRENCIES)]


def overdue_q(now) -> models.Q:
    """Actions still open past their due time at `now` (the query form of Action.is_overdue)."""
    return models.Q(status=Status.OPEN, due_at__lt=now)


def _in(field: str, choices) -> models.Q:
    return models.Q(**{f"{field}__in": list(choices.values)})


class Action(FSMModelMixin, models.Model):
    """A solution offered or a step promised during a crisis, tracked until done or cancelled."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    incident = models.ForeignKey(
        Incident, on_delete=models.PROTECT, related_name="actions", verbose_name=_("incident")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=TITLE_MAX_LENGTH)
    description = models.TextField(_("description"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owner"),
    )
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    # A compensation: how much, in which currency (ISO 4217), for how many people.
    amount = models.DecimalField(
        _("amount"),
        max_digits=AMOUNT_MAX_DIGITS,
        decimal_places=AMOUNT_DECIMAL_PLACES,
        null=True,
        blank=True,
    )
    currency = models.CharField(
        _("currency"), max_length=3, blank=True, choices=currency_choices, help_text=_("ISO 4217.")
    )
    beneficiaries = models.PositiveBigIntegerField(
        _("beneficiaries"), null=True, blank=True, help_text=_("People covered.")
    )
    status = FSMField(
        _("status"), max_length=16, choices=Status.choices, default=Status.OPEN, protected=True
    )
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True)
    # Created from the post-incident review's follow-up actions.
    from_review = models.BooleanField(_("from the review"), default=False, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("action")
        verbose_name_plural = _("actions")
        ordering = ["created_at", "id"]
        permissions = [
            ("complete_action", _("Can complete actions")),
            ("cancel_action", _("Can cancel actions")),
            ("reopen_action", _("Can reopen actions")),
        ]
        constraints = [
            models.CheckConstraint(condition=_in("status", Status), name="action_status_valid"),
            models.CheckConstraint(condition=_in("kind", Kind), name="action_kind_valid"),
            # A compensation has a positive amount and a currency; nothing else has either.
            models.CheckConstraint(
                condition=(
                    models.Q(
                        kind=Kind.COMPENSATION,
                        amount__gt=0,
                        currency__regex=r"^[A-Z]{3}$",
                    )
                    | (
                        ~models.Q(kind=Kind.COMPENSATION)
                        & models.Q(amount__isnull=True, currency="", beneficiaries__isnull=True)
                    )
                ),
                name="action_compensation_fields",
            ),
        ]
        indexes = [
            models.Index(fields=["incident", "created_at", "id"], name="action_incident"),
            models.Index(
                fields=["due_at"], condition=models.Q(status=Status.OPEN), name="action_open_due"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def stream(self) -> str:
        """Its events go on its incident's stream (the incident's timeline tells the story)."""
        return f"incident:{self.incident_id}"

    def is_overdue(self, now=None) -> bool:
        """Still open past its due time."""
        now = now or timezone.now()
        return self.status == Status.OPEN and self.due_at is not None and self.due_at < now

    # --- State machine: the only way the status changes (services lock, call, save, log). ---

    @transition(
        field=status,
        source=Status.OPEN,
        target=Status.DONE,
        permission="actions.complete_action",
        custom={"event": "action.completed", "label": pgettext_lazy("transition", "complete")},
    )
    def complete(self, *, at):
        self.completed_at = at

    @transition(
        field=status,
        source=Status.OPEN,
        target=Status.CANCELLED,
        permission="actions.cancel_action",
        custom={"event": "action.cancelled", "label": pgettext_lazy("transition", "cancel")},
    )
    def cancel(self, *, at, reason):
        self.cancelled_at = at
        self.cancel_reason = reason

    @transition(
        field=status,
        source=[Status.DONE, Status.CANCELLED],
        target=Status.OPEN,
        permission="actions.reopen_action",
        custom={"event": "action.reopened", "label": pgettext_lazy("transition", "reopen")},
    )
    def reopen(self, *, at):
        self.completed_at = None
        self.cancelled_at = None
        self.cancel_reason = ""
