"""Incidents, their state machine and their post-incident reviews."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django_fsm import FSMField, FSMModelMixin, transition


class Status(models.TextChoices):
    DETECTED = "detected"
    ASSESSED = "assessed"
    RESPONDING = "responding"
    RESOLVED = "resolved"
    REVIEWED = "reviewed"


class Severity(models.TextChoices):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class Scope(models.TextChoices):
    ISOLATED = "isolated"
    SPREADING = "spreading"
    COORDINATED = "coordinated"


class Category(models.TextChoices):
    SOCIAL_MEDIA_BACKLASH = "social_media_backlash"
    DATA_LEAK = "data_leak"
    DEFAMATION = "defamation"
    MISINFORMATION = "misinformation"
    PRODUCT_OR_SERVICE_FAILURE = "product_or_service_failure"
    CONDUCT = "conduct"
    CUSTOMER_COMPLAINT = "customer_complaint"
    OTHER = "other"


class Channel(models.TextChoices):
    X = "x", "X"
    FACEBOOK = "facebook"
    INSTAGRAM = "instagram"
    TIKTOK = "tiktok"
    LINKEDIN = "linkedin"
    YOUTUBE = "youtube"
    REDDIT = "reddit"
    FORUM = "forum"
    NEWS = "news"
    REVIEW_SITE = "review_site"
    BLOG = "blog"
    EMAIL = "email"
    OTHER = "other"


class Impact(models.TextChoices):
    REPUTATION = "reputation"
    FINANCIAL = "financial"
    LEGAL = "legal"
    SAFETY = "safety"
    OPERATIONAL = "operational"


class Resolution(models.TextChoices):
    RESOLVED = "resolved"
    DISMISSED = "dismissed"


def response_deadline(severity: str, assessed_at):
    """When the response must have started, by the severity policy in settings."""
    return assessed_at + settings.INCIDENT_RESPONSE_DEADLINES[severity]


def _in(field: str, choices: type[models.TextChoices], blank: bool = False) -> models.Q:
    values = list(choices.values) + ([""] if blank else [])
    return models.Q(**{f"{field}__in": values})


class Incident(FSMModelMixin, models.Model):
    """An online crisis, from detection to post-incident review."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    reference = models.CharField(max_length=32, unique=True, editable=False)
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    category = models.CharField(max_length=40, choices=Category.choices, default=Category.OTHER)
    channels = models.JSONField(default=list, blank=True)
    status = FSMField(
        max_length=16, choices=Status.choices, default=Status.DETECTED, protected=True
    )
    severity = models.CharField(max_length=16, choices=Severity.choices, blank=True)
    scope = models.CharField(max_length=16, choices=Scope.choices, blank=True)
    estimated_reach = models.PositiveBigIntegerField(null=True, blank=True)
    affected_count = models.PositiveBigIntegerField(null=True, blank=True)
    impact = models.JSONField(default=list, blank=True)
    rationale = models.TextField(blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_incidents",
    )
    participants = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="participating_incidents"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="created_incidents"
    )
    is_confidential = models.BooleanField(default=False)
    resolution = models.CharField(max_length=16, choices=Resolution.choices, blank=True)
    resolution_summary = models.TextField(blank=True)
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="duplicates"
    )
    detected_at = models.DateTimeField(default=timezone.now)
    assessed_at = models.DateTimeField(null=True, blank=True)
    response_due_at = models.DateTimeField(null=True, blank=True)
    response_started_at = models.DateTimeField(null=True, blank=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [
            ("assess_incident", "Can assess incidents"),
            ("respond_incident", "Can start the response to incidents"),
            ("resolve_incident", "Can resolve incidents"),
            ("dismiss_incident", "Can dismiss incidents"),
            ("reopen_incident", "Can reopen incidents"),
            ("review_incident", "Can record post-incident reviews"),
            ("view_confidential_incident", "Can see every confidential incident"),
        ]
        constraints = [
            models.CheckConstraint(condition=_in("status", Status), name="incident_status_valid"),
            models.CheckConstraint(
                condition=_in("severity", Severity, blank=True), name="incident_severity_valid"
            ),
            models.CheckConstraint(
                condition=_in("scope", Scope, blank=True), name="incident_scope_valid"
            ),
            models.CheckConstraint(
                condition=_in("category", Category), name="incident_category_valid"
            ),
            models.CheckConstraint(
                condition=_in("resolution", Resolution, blank=True),
                name="incident_resolution_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-created_at"], name="incident_status_created"),
            models.Index(fields=["updated_at"], name="incident_updated"),
            models.Index(fields=["response_due_at"], name="incident_response_due"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def stream(self) -> str:
        """The event-log stream of this incident."""
        return f"incident:{self.pk}"

    @property
    def overdue(self) -> bool:
        """Assessed, the response has not started, and its deadline has passed."""
        return (
            self.status == Status.ASSESSED
            and self.response_due_at is not None
            and self.response_due_at < timezone.now()
        )

    # --- State machine: the only way the status changes. --------------------------------------
    # Each method applies its own input; services lock the row, call it, save and log.

    @transition(
        field=status,
        source=Status.DETECTED,
        target=Status.ASSESSED,
        permission="incidents.assess_incident",
    )
    def assess(
        self,
        *,
        at,
        severity,
        scope="",
        estimated_reach=None,
        affected_count=None,
        impact=None,
        rationale="",
    ):
        self.severity = severity
        self.scope = scope
        self.estimated_reach = estimated_reach
        self.affected_count = affected_count
        self.impact = list(impact or [])
        self.rationale = rationale
        self.assessed_at = at
        self.response_due_at = response_deadline(severity, at)

    @transition(
        field=status,
        source=Status.ASSESSED,
        target=Status.RESPONDING,
        permission="incidents.respond_incident",
    )
    def respond(self, *, at, owner):
        self.owner = owner
        self.response_started_at = at
        if self.first_response_at is None:
            self.first_response_at = at

    @transition(
        field=status,
        source=Status.RESPONDING,
        target=Status.RESOLVED,
        permission="incidents.resolve_incident",
    )
    def resolve(self, *, at, resolution_summary):
        self.resolution = Resolution.RESOLVED
        self.resolution_summary = resolution_summary
        self.resolved_at = at

    @transition(
        field=status,
        source=[Status.DETECTED, Status.ASSESSED],
        target=Status.RESOLVED,
        permission="incidents.dismiss_incident",
    )
    def dismiss(self, *, at, reason, duplicate_of=None):
        self.resolution = Resolution.DISMISSED
        self.resolution_summary = reason
        self.duplicate_of = duplicate_of
        self.resolved_at = at

    @transition(
        field=status,
        source=Status.RESOLVED,
        target=Status.RESPONDING,
        permission="incidents.reopen_incident",
    )
    def reopen(self, *, at, owner):
        self.resolution = ""
        self.resolution_summary = ""
        self.resolved_at = None
        self.duplicate_of = None
        self.owner = self.owner or owner
        self.response_started_at = at
        if self.first_response_at is None:
            self.first_response_at = at

    @transition(
        field=status,
        source=Status.RESOLVED,
        target=Status.REVIEWED,
        permission="incidents.review_incident",
    )
    def review(self, *, at):
        self.reviewed_at = at


class IncidentReview(models.Model):
    """The post-incident review: what happened and what the team learned."""

    incident = models.OneToOneField(
        Incident, on_delete=models.PROTECT, related_name="review_record"
    )
    summary = models.TextField()
    root_cause = models.TextField()
    what_went_well = models.TextField()
    what_went_wrong = models.TextField()
    lessons_learned = models.TextField()
    follow_up_actions = models.JSONField(default=list, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Review of {self.incident.reference}"


class ReferenceCounter(models.Model):
    """The last incident number handed out in a year (CR-2026-0042)."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last_number}"
