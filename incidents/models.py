"""Incidents, their state machine and their post-incident reviews."""

import uuid
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import models
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import FSMField, FSMModelMixin, transition

from incidents.deadlines.rules import (
    DERIVED_FIELDS,
    FAR_FUTURE,
    RESOLUTION,
    RESPONSE,
    derived_values,
    next_due_order,
)
from incidents.indexes import CoveringIndex, SubstringIndex


class Status(models.TextChoices):
    DETECTED = "detected", pgettext_lazy("incident status", "Detected")
    ASSESSED = "assessed", pgettext_lazy("incident status", "Assessed")
    RESPONDING = "responding", pgettext_lazy("incident status", "Responding")
    RESOLVED = "resolved", pgettext_lazy("incident status", "Resolved")
    REVIEWED = "reviewed", pgettext_lazy("incident status", "Reviewed")


class Severity(models.TextChoices):
    LOW = "low", pgettext_lazy("severity", "Low")
    MEDIUM = "medium", pgettext_lazy("severity", "Medium")
    HIGH = "high", pgettext_lazy("severity", "High")
    CRITICAL = "critical", pgettext_lazy("severity", "Critical")


class Scope(models.TextChoices):
    ISOLATED = "isolated", pgettext_lazy("scope", "Isolated")
    SPREADING = "spreading", pgettext_lazy("scope", "Spreading")
    COORDINATED = "coordinated", pgettext_lazy("scope", "Coordinated")


class Category(models.TextChoices):
    SOCIAL_MEDIA_BACKLASH = "social_media_backlash", _("Social media backlash")
    DATA_LEAK = "data_leak", _("Data leak")
    DEFAMATION = "defamation", _("Defamation")
    MISINFORMATION = "misinformation", _("Misinformation")
    PRODUCT_OR_SERVICE_FAILURE = "product_or_service_failure", _("Product or service failure")
    CONDUCT = "conduct", _("Conduct of staff")
    CUSTOMER_COMPLAINT = "customer_complaint", _("Customer complaint")
    OTHER = "other", pgettext_lazy("category", "Other")


class Channel(models.TextChoices):
    X = "x", "X"
    FACEBOOK = "facebook", "Facebook"
    INSTAGRAM = "instagram", "Instagram"
    TIKTOK = "tiktok", "TikTok"
    LINKEDIN = "linkedin", "LinkedIn"
    YOUTUBE = "youtube", "YouTube"
    REDDIT = "reddit", "Reddit"
    FORUM = "forum", _("Forum")
    NEWS = "news", _("News media")
    REVIEW_SITE = "review_site", _("Review site")
    BLOG = "blog", _("Blog")
    EMAIL = "email", _("E-mail")
    OTHER = "other", pgettext_lazy("channel", "Other")


class Impact(models.TextChoices):
    REPUTATION = "reputation", _("Reputation")
    FINANCIAL = "financial", _("Financial")
    LEGAL = "legal", _("Legal")
    SAFETY = "safety", _("Safety")
    OPERATIONAL = "operational", _("Operational")


class Resolution(models.TextChoices):
    RESOLVED = "resolved", pgettext_lazy("resolution", "Resolved")
    DISMISSED = "dismissed", pgettext_lazy("resolution", "Dismissed")


def _in(field: str, choices: type[models.TextChoices], blank: bool = False) -> models.Q:
    values = list(choices.values) + ([""] if blank else [])
    return models.Q(**{f"{field}__in": values})


# The bounds of a policy's windows: a deadline is at least a minute away, at most a year.
MIN_WINDOW = timedelta(minutes=1)
MAX_WINDOW = timedelta(days=365)


def validate_window(value: timedelta) -> None:
    """A policy window from MIN_WINDOW to MAX_WINDOW."""
    if not MIN_WINDOW <= value <= MAX_WINDOW:
        raise ValidationError(_("Give a time from one minute to 365 days."), code="out_of_range")


def _window_bounded(field: str) -> models.Q:
    return models.Q(**{f"{field}__gte": MIN_WINDOW, f"{field}__lte": MAX_WINDOW})


class SeverityPolicy(models.Model):
    """How soon, for one severity, the response must start and the crisis be resolved.

    One row per severity, created by a migration; managers change the windows in the admin,
    nobody adds or deletes rows. A change applies to incidents assessed or re-rated after it:
    an incident keeps the due times it was given.
    """

    severity = models.CharField(
        _("severity"), max_length=16, choices=Severity.choices, primary_key=True
    )
    response_window = models.DurationField(
        _("time to respond"),
        validators=[validate_window],
        help_text=_("From the assessment to the start of the response."),
    )
    resolution_window = models.DurationField(
        _("time to resolve"),
        validators=[validate_window],
        help_text=_("From the assessment to the resolution."),
    )

    class Meta:
        verbose_name = _("severity policy")
        verbose_name_plural = _("severity policies")
        constraints = [
            models.CheckConstraint(
                condition=_in("severity", Severity), name="severity_policy_severity_valid"
            ),
            models.CheckConstraint(
                condition=_window_bounded("response_window"),
                name="severity_policy_response_window_bounded",
            ),
            models.CheckConstraint(
                condition=_window_bounded("resolution_window"),
                name="severity_policy_resolution_window_bounded",
            ),
            models.CheckConstraint(
                condition=models.Q(resolution_window__gte=models.F("response_window")),
                name="severity_policy_resolve_after_respond",
                violation_error_message=_(
                    "The time to resolve cannot be shorter than the time to respond."
                ),
            ),
        ]

    def __str__(self) -> str:
        return str(self.get_severity_display())

    def clean(self) -> None:
        if (
            self.response_window is not None
            and self.resolution_window is not None
            and self.resolution_window < self.response_window
        ):
            raise ValidationError(
                {
                    "resolution_window": _(
                        "The time to resolve cannot be shorter than the time to respond."
                    )
                }
            )

    @classmethod
    def for_severity(cls, severity: str) -> "SeverityPolicy":
        try:
            return cls.objects.get(pk=severity)
        except cls.DoesNotExist:
            raise ImproperlyConfigured(
                f"No severity policy for {severity!r}: `manage.py migrate` creates one per "
                "severity, and they are never deleted."
            ) from None


# Every field the team's metrics read besides the detection time (incidents.metrics.selectors:
# the counts, the percentiles of the four times, who may see the incident, and its id for the
# records attached to it), held by the index on the detection time: a year of incidents is
# read from the index alone, not from the table's much wider rows.
METRICS_FIELDS = (
    "id", "status", "severity", "category", "scope", "resolution", "signal_count",
    "signal_reach", "assessed_at", "first_response_at", "first_public_response_at",
    "resolved_at", "response_due_at", "response_at_risk_at", "resolution_due_at",
    "resolution_at_risk_at", "is_confidential", "created_by", "owner",
)  # fmt: skip


class Incident(FSMModelMixin, models.Model):
    """An online crisis, from detection to post-incident review."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    reference = models.CharField(_("reference"), max_length=32, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), blank=True)
    category = models.CharField(
        _("category"), max_length=40, choices=Category.choices, default=Category.OTHER
    )
    channels = models.JSONField(_("channels"), default=list, blank=True)
    status = FSMField(
        _("status"),
        max_length=16,
        choices=Status.choices,
        default=Status.DETECTED,
        protected=True,
    )
    severity = models.CharField(_("severity"), max_length=16, choices=Severity.choices, blank=True)
    scope = models.CharField(_("scope"), max_length=16, choices=Scope.choices, blank=True)
    estimated_reach = models.PositiveBigIntegerField(
        _("estimated reach"), null=True, blank=True, help_text=_("People who saw it.")
    )
    affected_count = models.PositiveBigIntegerField(
        _("people affected"), null=True, blank=True, help_text=_("People directly affected.")
    )
    impact = models.JSONField(_("impact"), default=list, blank=True)
    rationale = models.TextField(_("rationale"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_incidents",
        verbose_name=_("owner"),
    )
    participants = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="participating_incidents",
        verbose_name=_("participants"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="created_incidents",
        verbose_name=_("created by"),
    )
    is_confidential = models.BooleanField(_("confidential"), default=False)
    resolution = models.CharField(
        _("resolution"), max_length=16, choices=Resolution.choices, blank=True
    )
    resolution_summary = models.TextField(_("resolution summary"), blank=True)
    duplicate_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="duplicates",
        verbose_name=_("duplicate of"),
    )
    detected_at = models.DateTimeField(_("detected at"), default=timezone.now)
    assessed_at = models.DateTimeField(_("assessed at"), null=True, blank=True)
    response_due_at = models.DateTimeField(_("response due at"), null=True, blank=True)
    resolution_due_at = models.DateTimeField(_("resolution due at"), null=True, blank=True)
    response_started_at = models.DateTimeField(_("response started at"), null=True, blank=True)
    first_response_at = models.DateTimeField(_("first response at"), null=True, blank=True)
    # Set by the first publication of a communication (incidents.communications); not a change
    # of the incident, so its version stays.
    first_public_response_at = models.DateTimeField(
        _("first public response at"), null=True, blank=True, editable=False
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    version = models.PositiveIntegerField(_("version"), default=1)
    # Derived from the fields above by incidents.deadlines.rules (save() keeps them right), so
    # that deadline filters, ordering and the breach check are plain indexed comparisons.
    response_at_risk_at = models.DateTimeField(
        _("response at risk from"), null=True, blank=True, editable=False
    )
    resolution_at_risk_at = models.DateTimeField(
        _("resolution at risk from"), null=True, blank=True, editable=False
    )
    next_due_at = models.DateTimeField(_("next deadline"), null=True, blank=True, editable=False)
    # What the incident's signals add up to, kept by ingestion (incidents.monitoring.services)
    # so that the team's figures sum one column instead of joining every hourly tally.
    signal_count = models.PositiveBigIntegerField(_("signals"), default=0, editable=False)
    signal_reach = models.PositiveBigIntegerField(_("reach of the signals"), default=0,
                                                  editable=False)  # fmt: skip
    # When `check_deadlines` recorded the breach of each deadline (once, never again).
    response_breach_recorded_at = models.DateTimeField(
        _("response breach recorded at"), null=True, blank=True, editable=False
    )
    resolution_breach_recorded_at = models.DateTimeField(
        _("resolution breach recorded at"), null=True, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        ordering = ["-created_at", "-id"]
        permissions = [
            ("assess_incident", _("Can assess incidents")),
            ("respond_incident", _("Can start the response to incidents")),
            ("resolve_incident", _("Can resolve incidents")),
            ("dismiss_incident", _("Can dismiss incidents")),
            ("reopen_incident", _("Can reopen incidents")),
            ("review_incident", _("Can record post-incident reviews")),
            ("view_confidential_incident", _("Can see every confidential incident")),
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
            # The default order (-created_at, -id), its cursor pages at any depth.
            models.Index(fields=["created_at", "id"], name="incident_created"),
            # Metrics count the incidents detected in a period: every field they read, for a
            # manager or for anyone else, is in the index (incidents.metrics.selectors).
            CoveringIndex(
                fields=["detected_at"], covering=METRICS_FIELDS, name="incident_detected"
            ),
            # ?q= (reference, title or summary contains the text, any case): trigram indexes.
            SubstringIndex(field="reference", name="incident_reference_trgm"),
            SubstringIndex(field="title", name="incident_title_trgm"),
            SubstringIndex(field="summary", name="incident_summary_trgm"),
            models.Index(fields=["status", "-created_at"], name="incident_status_created"),
            models.Index(fields=["updated_at"], name="incident_updated"),
            models.Index(fields=["response_due_at"], name="incident_response_due"),
            # ?ordering=response_due_at: an index scan, pages of any depth (the expression of
            # the list's `response_due_order`, incidents.selectors).
            models.Index(
                Coalesce("response_due_at", models.Value(FAR_FUTURE, models.DateTimeField())),
                models.F("id"),
                name="incident_response_due_order",
            ),
            # ?ordering=next_due_at: an index scan, pages of any depth.
            models.Index(next_due_order(), models.F("id"), name="incident_next_due_order"),
            # Deadlines still open: the at-risk and breached filters and the breach check.
            models.Index(
                fields=["response_due_at"],
                condition=RESPONSE.open_q(),
                name="incident_response_open",
            ),
            models.Index(
                fields=["resolution_due_at"],
                condition=RESOLUTION.open_q(),
                name="incident_resolution_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    def save(self, *args, **kwargs):
        """Save, with the deadline instants derived from the other fields brought up to date."""
        for name, value in derived_values(self).items():
            setattr(self, name, value)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], *DERIVED_FIELDS}
        super().save(*args, **kwargs)

    @property
    def stream(self) -> str:
        """The event-log stream of this incident."""
        return f"incident:{self.pk}"

    def apply_severity_policy(self) -> None:
        """Both deadlines from `assessed_at`, by the policy now in force for the severity."""
        policy = SeverityPolicy.for_severity(self.severity)
        self.response_due_at = self.assessed_at + policy.response_window
        self.resolution_due_at = self.assessed_at + policy.resolution_window

    @property
    def overdue(self) -> bool:
        """Assessed, the response has not started, and its deadline has passed."""
        return (
            self.status == Status.ASSESSED
            and self.response_due_at is not None
            and self.response_due_at < timezone.now()
        )

    def _set_assessment(
        self, *, at, severity, scope, estimated_reach, affected_count, impact, rationale
    ) -> None:
        self.severity = severity
        self.scope = scope or ""
        self.estimated_reach = estimated_reach
        self.affected_count = affected_count
        self.impact = list(impact or [])
        self.rationale = rationale or ""
        self.assessed_at = at
        self.apply_severity_policy()

    # --- State machine: the only way the status changes. --------------------------------------
    # Each method applies its own input; services lock the row, call it, save and log. The
    # declarations are the one source of transition names, permissions, event actions and
    # labels (crisis_api.lifecycle.StateMachine reads them).

    @transition(
        field=status,
        source=Status.DETECTED,
        target=Status.ASSESSED,
        permission="incidents.assess_incident",
        custom={"event": "incident.assessed", "label": pgettext_lazy("transition", "assess")},
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
        self._set_assessment(
            at=at,
            severity=severity,
            scope=scope,
            estimated_reach=estimated_reach,
            affected_count=affected_count,
            impact=impact,
            rationale=rationale,
        )

    @transition(
        field=status,
        source=Status.ASSESSED,
        target=Status.RESPONDING,
        permission="incidents.respond_incident",
        custom={
            "event": "incident.response_started",
            "label": pgettext_lazy("transition", "respond"),
        },
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
        custom={"event": "incident.resolved", "label": pgettext_lazy("transition", "resolve")},
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
        custom={"event": "incident.dismissed", "label": pgettext_lazy("transition", "dismiss")},
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
        custom={"event": "incident.reopened", "label": pgettext_lazy("transition", "reopen")},
    )
    def reopen(self, *, at, owner, assessment=None):
        """Back to responding; an incident dismissed before any assessment is assessed now."""
        if self.assessed_at is None:
            if not assessment or not assessment.get("severity"):
                raise ValueError("an incident never assessed needs a severity to reopen")
            self._set_assessment(at=at, **{**ASSESSMENT_DEFAULTS, **assessment})
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
        custom={"event": "incident.reviewed", "label": pgettext_lazy("transition", "review")},
    )
    def review(self, *, at):
        self.reviewed_at = at


# The assessment's optional inputs and their values when not given.
ASSESSMENT_DEFAULTS = {
    "scope": "",
    "estimated_reach": None,
    "affected_count": None,
    "impact": (),
    "rationale": "",
}


class IncidentReview(models.Model):
    """The post-incident review: what happened and what the team learned."""

    incident = models.OneToOneField(
        Incident, on_delete=models.PROTECT, related_name="review_record", verbose_name=_("incident")
    )
    summary = models.TextField(_("summary"))
    root_cause = models.TextField(_("root cause"))
    what_went_well = models.TextField(_("what went well"))
    what_went_wrong = models.TextField(_("what went wrong"))
    lessons_learned = models.TextField(_("lessons learned"))
    follow_up_actions = models.JSONField(_("follow-up actions"), default=list, blank=True)
    # The measured times and counts at the review, kept as they were then.
    metrics = models.JSONField(_("metrics"), default=dict, blank=True, editable=False)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("post-incident review")
        verbose_name_plural = _("post-incident reviews")

    def __str__(self) -> str:
        return _("Review of %(reference)s") % {"reference": self.incident.reference}


class ReferenceCounter(models.Model):
    """The last incident number handed out in a year (CR-2026-0042)."""

    year = models.PositiveSmallIntegerField(_("year"), primary_key=True)
    last_number = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("reference counter")
        verbose_name_plural = _("reference counters")

    def __str__(self) -> str:
        return f"{self.year}: {self.last_number}"
