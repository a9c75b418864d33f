"""Communications (replies, posts, statements, e-mails) and the templates they start from."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import FSMField, FSMModelMixin, transition

from incidents.models import Channel, Incident, Severity

BODY_MAX_LENGTH = 10_000
URL_MAX_LENGTH = 2_048
TEMPLATE_NAME_MAX_LENGTH = 120

# Where a communication is published: the incident channels, the website and the press.
CommunicationChannel = models.TextChoices(
    "CommunicationChannel",
    [(member.name, (member.value, member.label)) for member in Channel]
    + [("WEBSITE", ("website", _("Website"))), ("PRESS", ("press", _("Press")))],
)


class Audience(models.TextChoices):
    PUBLIC = "public", _("The public")
    CUSTOMERS = "customers", _("Customers")
    PRESS = "press", pgettext_lazy("audience", "Press")
    EMPLOYEES = "employees", _("Employees")
    PARTNERS = "partners", _("Partners")
    REGULATORS = "regulators", _("Regulators")


class Language(models.TextChoices):
    FR = "fr", "Français"
    EN = "en", "English"


class Status(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("communication status", "Draft")
    APPROVED = "approved", pgettext_lazy("communication status", "Approved")
    PUBLISHED = "published", pgettext_lazy("communication status", "Published")
    WITHDRAWN = "withdrawn", pgettext_lazy("communication status", "Withdrawn")


# Severities whose communications a manager approves before they are published.
APPROVAL_SEVERITIES = (Severity.HIGH, Severity.CRITICAL)


def _in(field: str, choices, blank: bool = False) -> models.Q:
    values = list(choices.values) + ([""] if blank else [])
    return models.Q(**{f"{field}__in": values})


class Template(models.Model):
    """A holding statement: a body with placeholders filled from the incident."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("name"), max_length=TEMPLATE_NAME_MAX_LENGTH)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices)
    channel = models.CharField(
        _("channel"),
        max_length=16,
        choices=CommunicationChannel.choices,
        blank=True,
        help_text=_("Leave empty for a template that suits every channel."),
    )
    body = models.TextField(_("body"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("template")
        verbose_name_plural = _("templates")
        ordering = ["name", "language", "id"]
        constraints = [
            models.UniqueConstraint(fields=["name", "language"], name="template_name_language"),
            models.CheckConstraint(
                condition=_in("language", Language), name="template_language_valid"
            ),
            models.CheckConstraint(
                condition=_in("channel", CommunicationChannel, blank=True),
                name="template_channel_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.language})"


class Communication(FSMModelMixin, models.Model):
    """A reply, post, statement or e-mail the team publishes about an incident."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    incident = models.ForeignKey(
        Incident,
        on_delete=models.PROTECT,
        related_name="communications",
        verbose_name=_("incident"),
    )
    channel = models.CharField(_("channel"), max_length=16, choices=CommunicationChannel.choices)
    audience = models.CharField(_("audience"), max_length=16, choices=Audience.choices)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices)
    body = models.TextField(_("body"))
    template = models.ForeignKey(
        Template,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("template"),
    )
    in_reply_to = models.ForeignKey(
        "monitoring.Signal",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replies",
        verbose_name=_("in reply to"),
    )
    status = FSMField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT, protected=True
    )
    # The tone check's findings on the body as it is now (see incidents.communications.tone).
    tone_warnings = models.JSONField(_("tone warnings"), default=list, blank=True)
    url = models.CharField(_("published at URL"), max_length=URL_MAX_LENGTH, blank=True)
    withdrawal_reason = models.TextField(_("reason for withdrawal"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("drafted by"),
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published by"),
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("communication")
        verbose_name_plural = _("communications")
        ordering = ["-created_at", "-id"]
        permissions = [
            ("approve_communication", _("Can approve communications")),
            ("publish_communication", _("Can publish communications")),
            ("withdraw_communication", _("Can withdraw communications")),
        ]
        constraints = [
            models.CheckConstraint(condition=_in("status", Status), name="communication_status"),
            models.CheckConstraint(
                condition=_in("channel", CommunicationChannel), name="communication_channel"
            ),
            models.CheckConstraint(
                condition=_in("audience", Audience), name="communication_audience"
            ),
            models.CheckConstraint(
                condition=_in("language", Language), name="communication_language"
            ),
        ]
        indexes = [
            models.Index(fields=["incident", "-created_at", "-id"], name="communication_incident"),
            models.Index(
                fields=["incident", "published_at"],
                condition=models.Q(published_at__isnull=False),
                name="communication_published",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} · {self.body[:60]}"

    @property
    def stream(self) -> str:
        """Its events go on its incident's stream (the incident's timeline tells the story)."""
        return f"incident:{self.incident_id}"

    @property
    def needs_approval(self) -> bool:
        """A manager approves it before it is published: the incident is high or critical, or
        confidential."""
        incident = self.incident
        return incident.severity in APPROVAL_SEVERITIES or incident.is_confidential

    def _may_skip_approval(self) -> bool:
        return not self.needs_approval

    # Said in the 409 when `publish` is refused for this condition (crisis_api.lifecycle).
    _may_skip_approval.refusal = _(
        "A manager must approve it first: its incident is high or critical, or confidential. "
        "Ask a manager to approve it, then publish it."
    )

    # --- State machine: the only way the status changes (services lock, call, save, log). ---

    @transition(
        field=status,
        source=Status.DRAFT,
        target=Status.APPROVED,
        permission="communications.approve_communication",
        custom={
            "event": "communication.approved",
            "label": pgettext_lazy("transition", "approve"),
        },
    )
    def approve(self, *, at, actor):
        self.approved_by = actor
        self.approved_at = at

    @transition(
        field=status,
        source=Status.DRAFT,
        target=Status.PUBLISHED,
        conditions=[_may_skip_approval],
        permission="communications.publish_communication",
        custom={
            "event": "communication.published",
            "label": pgettext_lazy("transition", "publish"),
        },
    )
    @transition(
        field=status,
        source=Status.APPROVED,
        target=Status.PUBLISHED,
        permission="communications.publish_communication",
        custom={
            "event": "communication.published",
            "label": pgettext_lazy("transition", "publish"),
        },
    )
    def publish(self, *, at, actor, url=""):
        self.published_by = actor
        self.published_at = at
        self.url = url or ""

    @transition(
        field=status,
        source=[Status.DRAFT, Status.APPROVED, Status.PUBLISHED],
        target=Status.WITHDRAWN,
        permission="communications.withdraw_communication",
        custom={
            "event": "communication.withdrawn",
            "label": pgettext_lazy("transition", "withdraw"),
        },
    )
    def withdraw(self, *, at, reason):
        self.withdrawal_reason = reason
        self.withdrawn_at = at
