"""Incident representations (output) and the input of each operation."""

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from crisis_api.clock import request_now
from crisis_api.events.changes import blank_choice_fields
from crisis_api.fields import (
    AwareDateTimeField,
    BoundedListField,
    SingleLineCharField,
    StrictBooleanField,
    StrictCharField,
    StrictIntegerField,
    StrictUUIDField,
    UsernamesField,
)
from crisis_api.serializers import StrictInputSerializer, UsernameField
from incidents.actions.api.serializers import (
    ActionsCompensationSerializer,
    ActionsSummarySerializer,
)
from incidents.actions.selectors import (
    actions_summaries,
    actions_summary,
    actions_summary_from_column,
)
from incidents.api import bounds
from incidents.deadlines.rules import RESOLUTION, RESPONSE, DeadlineKind, DeadlineState
from incidents.models import (
    Category,
    Channel,
    Impact,
    Incident,
    IncidentReview,
    Resolution,
    Scope,
    Severity,
)
from incidents.reviews.api.serializers import ReviewMetricsSerializer, metrics_data
from incidents.selectors import mark_visible_originals, participant_names
from incidents.state import incident_machine

USE_A_TRANSITION = format_lazy(
    _(
        "Read-only: the status changes only through a transition "
        "(POST /api/v1/incidents/{{id}}/<transition>/, one of: {transitions})."
    ),
    transitions=", ".join(incident_machine.names),
)
# Stored as "" when not set, shown as null (events show them the same way).
NULL_WHEN_BLANK = blank_choice_fields(Incident)


def _choice_list(choices, **kwargs) -> serializers.ListField:
    """A list of distinct values from `choices`."""
    return serializers.ListField(
        child=serializers.ChoiceField(choices=choices), allow_empty=True, **kwargs
    )


def _distinct(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


# --- Output ---------------------------------------------------------------------------------


class IncidentReviewSerializer(serializers.ModelSerializer):
    """The post-incident review record."""

    reviewed_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    follow_up_actions = serializers.ListField(child=serializers.CharField())
    metrics = serializers.SerializerMethodField(
        help_text=_("Measured at the review; null for a review recorded before snapshots existed.")
    )

    class Meta:
        model = IncidentReview
        fields = [
            "summary",
            "root_cause",
            "what_went_well",
            "what_went_wrong",
            "lessons_learned",
            "follow_up_actions",
            "reviewed_by",
            "created_at",
            "metrics",
        ]
        read_only_fields = fields

    @extend_schema_field(ReviewMetricsSerializer(allow_null=True))
    def get_metrics(self, review: IncidentReview) -> dict | None:
        return metrics_data(review)


class DeadlineSerializer(serializers.Serializer):
    """A deadline: when it falls due, and where it stands as this response is written."""

    due_at = serializers.DateTimeField(
        allow_null=True,
        help_text=_("Null until the incident is assessed (the deadlines count from then)."),
    )
    state = serializers.ChoiceField(
        choices=DeadlineState.choices,
        help_text=_(
            "`pending`: not assessed yet. `on_track`: less than three quarters of the window "
            "have passed. `at_risk`: three quarters have passed, the due time has not. "
            "`breached`: the due time has passed. `met` / `missed`: ended on time / late (the "
            "response by its first start, the resolution by `resolved_at`, both by a "
            "dismissal)."
        ),
    )


class IncidentListSerializer(serializers.ListSerializer):
    """Many incidents: the actions' summaries of the whole page in one grouped query, and every
    row built by one IncidentRepresentation (the caller's permissions read once)."""

    def to_representation(self, data):
        incidents = list(data.all() if hasattr(data, "all") else data)
        represent = IncidentRepresentation(self.context)
        ids = [incident.pk for incident in incidents]
        mark_visible_originals(incidents, user=self.context["request"].user)
        summaries = actions_summaries(incident_ids=ids, now=represent.now)
        return [represent(incident, summaries[incident.pk]) for incident in incidents]


class IncidentSerializer(serializers.ModelSerializer):
    """An incident as every endpoint returns it."""

    channels = _choice_list(Channel.choices)
    impact = _choice_list(Impact.choices)
    severity = serializers.ChoiceField(choices=Severity.choices, allow_null=True)
    scope = serializers.ChoiceField(choices=Scope.choices, allow_null=True)
    resolution = serializers.ChoiceField(choices=Resolution.choices, allow_null=True)
    owner = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    participants = serializers.SlugRelatedField(slug_field="username", read_only=True, many=True)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    duplicate_of = serializers.UUIDField(
        source="duplicate_of_id",
        allow_null=True,
        help_text="The original incident; null also when you may not see it.",
    )
    overdue = serializers.BooleanField(help_text="Assessed, response not started, deadline passed.")
    response_deadline = serializers.SerializerMethodField(
        help_text=_("Start the response by then (counted from the assessment).")
    )
    resolution_deadline = serializers.SerializerMethodField(
        help_text=_("Resolve the incident by then (counted from the assessment).")
    )
    available_transitions = serializers.SerializerMethodField(
        help_text="Transitions the caller may run now."
    )
    review = IncidentReviewSerializer(
        source="review_record", allow_null=True, help_text="Set once reviewed."
    )
    actions_summary = serializers.SerializerMethodField(
        help_text=_("Its actions by status, and its compensations per currency.")
    )

    class Meta:
        model = Incident
        fields = [
            "id",
            "reference",
            "title",
            "summary",
            "category",
            "channels",
            "status",
            "severity",
            "scope",
            "estimated_reach",
            "affected_count",
            "impact",
            "rationale",
            "owner",
            "participants",
            "created_by",
            "is_confidential",
            "resolution",
            "resolution_summary",
            "duplicate_of",
            "detected_at",
            "assessed_at",
            "response_due_at",
            "resolution_due_at",
            "response_started_at",
            "first_response_at",
            "first_public_response_at",
            "resolved_at",
            "reviewed_at",
            "overdue",
            "response_deadline",
            "resolution_deadline",
            "created_at",
            "updated_at",
            "version",
            "available_transitions",
            "review",
            "actions_summary",
        ]
        read_only_fields = fields
        list_serializer_class = IncidentListSerializer

    @extend_schema_field(
        serializers.ListField(child=serializers.ChoiceField(choices=incident_machine.names))
    )
    def get_available_transitions(self, incident: Incident) -> list[str]:
        return incident_machine.for_user(incident, self.context["request"].user)

    @extend_schema_field(DeadlineSerializer)
    def get_response_deadline(self, incident: Incident) -> dict:
        return self._deadline(RESPONSE, incident)

    @extend_schema_field(DeadlineSerializer)
    def get_resolution_deadline(self, incident: Incident) -> dict:
        return self._deadline(RESOLUTION, incident)

    @extend_schema_field(ActionsSummarySerializer)
    def get_actions_summary(self, incident: Incident) -> dict:
        summary = getattr(incident, "actions_summary_read", None)  # a list reads them all at once
        if summary is None:
            summary = _read_actions_summary(incident, request_now(self.context.get("request")))
        return ActionsSummarySerializer(summary).data

    def _deadline(self, kind: DeadlineKind, incident: Incident) -> dict:
        # One clock reading per request: the list's filter and every row agree.
        now = request_now(self.context.get("request"))
        return DeadlineSerializer(kind.deadline(incident, now)).data

    def to_representation(self, incident: Incident) -> dict:
        self._mark_visible_original(incident)
        return IncidentRepresentation(self.context)(incident)

    def _mark_visible_original(self, incident: Incident) -> None:
        if not hasattr(incident, "duplicate_of_visible"):  # a list marks its whole page at once
            mark_visible_originals([incident], user=self.context["request"].user)

    def field_by_field(self, incident: Incident) -> dict:
        """The representation DRF builds from the declared fields, one by one: what
        IncidentRepresentation must give (the tests compare them; the API never calls it)."""
        self._mark_visible_original(incident)
        data = super().to_representation(incident)
        for name in NULL_WHEN_BLANK:
            data[name] = data[name] or None
        if not getattr(incident, "duplicate_of_visible", True):
            data["duplicate_of"] = None  # a confidential original stays hidden
        return data


# Only for the rare values whose rule is DRF's to keep: naive or overflowing date-times, and the
# decimal strings of compensation totals.
_DATETIME = serializers.DateTimeField()
_TOTAL = ActionsCompensationSerializer().fields["total"]


class IncidentRepresentation:
    """IncidentSerializer's output, built as plain dicts: what its declared fields give, without
    DRF's field-by-field machinery (the incident list's per-row cost).

    One per request (or per page): it reads the clock, the time zone and the caller's permitted
    transitions once. The declared fields stay the schema's single source; a test holds this
    output equal to `IncidentSerializer.field_by_field` for incidents in every state.
    """

    def __init__(self, context: dict) -> None:
        request = context.get("request")
        self.now = request_now(request)
        self.zone = timezone.get_current_timezone() if settings.USE_TZ else None
        self.available = incident_machine.availability(request.user)
        self.metrics = ReviewMetricsSerializer()

    def datetime(self, value):
        """DRF's DateTimeField: ISO 8601 in the current time zone, `Z` for UTC."""
        if not value:
            return None
        if self.zone is None or value.tzinfo is None:
            return _DATETIME.to_representation(value)
        try:
            text = value.astimezone(self.zone).isoformat()
        except OverflowError:
            return _DATETIME.to_representation(value)  # DRF's error
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    def deadline(self, kind: DeadlineKind, incident: Incident) -> dict:
        deadline = kind.deadline(incident, self.now)
        return {"due_at": self.datetime(deadline.due_at), "state": deadline.state.value}

    def review(self, incident: Incident) -> dict | None:
        try:
            review = incident.review_record
        except ObjectDoesNotExist:
            return None
        if review is None:
            return None
        reviewed_by = _username(review, "reviewed_by", incident, "reviewed_by_username")
        return {
            "summary": review.summary,
            "root_cause": review.root_cause,
            "what_went_well": review.what_went_well,
            "what_went_wrong": review.what_went_wrong,
            "lessons_learned": review.lessons_learned,
            "follow_up_actions": _strings(review.follow_up_actions),
            "reviewed_by": reviewed_by,
            "created_at": self.datetime(review.created_at),
            "metrics": self.metrics.to_representation(review.metrics) if review.metrics else None,
        }

    def actions_summary(self, incident: Incident, summary) -> dict:
        if summary is None:
            summary = _read_actions_summary(incident, self.now)
        return {
            "open": summary.open,
            "done": summary.done,
            "cancelled": summary.cancelled,
            "overdue": summary.overdue,
            "compensation": [
                {
                    "currency": total.currency,
                    "total": _TOTAL.to_representation(total.total),
                    "count": total.count,
                }
                for total in summary.compensation
            ],
        }

    def __call__(self, incident: Incident, actions=None) -> dict:
        """The incident's representation; `actions` (its ActionsSummary) when the page has read
        them already. Participants are read with the incident (`participant_usernames`), or
        here when it was read without them."""
        dt = self.datetime
        participants = getattr(incident, "participant_usernames", None)
        if participants is None:
            participants = participant_names(incident_ids=[incident.pk])[incident.pk]
        duplicate_of = incident.duplicate_of_id
        if duplicate_of is not None and getattr(incident, "duplicate_of_visible", True):
            duplicate_of = str(duplicate_of)
        else:
            duplicate_of = None  # a confidential original stays hidden
        data = {
            "id": str(incident.pk),
            "reference": incident.reference,
            "title": incident.title,
            "summary": incident.summary,
            "category": incident.category,
            "channels": _strings(incident.channels),
            "status": incident.status,
            "severity": incident.severity,
            "scope": incident.scope,
            "estimated_reach": incident.estimated_reach,
            "affected_count": incident.affected_count,
            "impact": _strings(incident.impact),
            "rationale": incident.rationale,
            "owner": _username(incident, "owner", incident, "owner_username"),
            "participants": participants,
            "created_by": _username(incident, "created_by", incident, "created_by_username"),
            "is_confidential": incident.is_confidential,
            "resolution": incident.resolution,
            "resolution_summary": incident.resolution_summary,
            "duplicate_of": duplicate_of,
            "detected_at": dt(incident.detected_at),
            "assessed_at": dt(incident.assessed_at),
            "response_due_at": dt(incident.response_due_at),
            "resolution_due_at": dt(incident.resolution_due_at),
            "response_started_at": dt(incident.response_started_at),
            "first_response_at": dt(incident.first_response_at),
            "first_public_response_at": dt(incident.first_public_response_at),
            "resolved_at": dt(incident.resolved_at),
            "reviewed_at": dt(incident.reviewed_at),
            "overdue": incident.overdue,
            "response_deadline": self.deadline(RESPONSE, incident),
            "resolution_deadline": self.deadline(RESOLUTION, incident),
            "created_at": dt(incident.created_at),
            "updated_at": dt(incident.updated_at),
            "version": incident.version,
            "available_transitions": self.available(incident),
            "review": self.review(incident),
            "actions_summary": self.actions_summary(incident, actions),
        }
        for name in NULL_WHEN_BLANK:
            data[name] = data[name] or None
        return data


def _read_actions_summary(incident: Incident, now):
    """The incident's ActionsSummary: read with its row (`with_actions_summary`), else now."""
    rows = getattr(incident, "actions_summary_rows", None)
    if rows is not None:
        return actions_summary_from_column(rows)
    return actions_summary(incident=incident, now=now)


def _username(record, field: str, annotated, annotation: str) -> str | None:
    """The username of `record.<field>`: the selector's annotation when it read it, else
    the user's row."""
    username = getattr(annotated, annotation, _UNREAD)
    if username is _UNREAD:
        user = getattr(record, field)
        username = user.username if user is not None else None
    return username


_UNREAD = object()


def _strings(values):
    """A JSON list of strings as DRF's ListField of CharField or ChoiceField shows it."""
    return None if values is None else [None if v is None else str(v) for v in values]


# --- Input ---------------------------------------------------------------------------------
# Strict fields (crisis_api.fields): JSON types are not coerced, every size is bounded
# (incidents.api.bounds), integers fit their columns, date-times carry their offset.

_REACH = Incident._meta.get_field("estimated_reach")
_AFFECTED = Incident._meta.get_field("affected_count")


def _choices_input(choices, max_length: int, **kwargs) -> BoundedListField:
    """A list of values from `choices`, each at most once (repeats are dropped)."""
    return BoundedListField(
        child=serializers.ChoiceField(choices=choices), max_length=max_length, **kwargs
    )


def _text(max_length: int, **kwargs) -> StrictCharField:
    return StrictCharField(max_length=max_length, **kwargs)


class OwnerField(UsernameField):
    """A user who may own incidents (responder or manager)."""

    def to_internal_value(self, data):
        user = super().to_internal_value(data)
        if not user.has_perm("incidents.respond_incident"):
            raise serializers.ValidationError(
                _("%(name)s cannot own incidents; give them the responder or manager role.")
                % {"name": user.username}
            )
        return user


class IncidentCreateInputSerializer(StrictInputSerializer):
    """What a new incident needs: a title; the rest is optional."""

    read_only_hints = {"status": _("Read-only: every incident starts as 'detected'.")}

    title = SingleLineCharField(max_length=bounds.TITLE)
    summary = _text(bounds.LONG_TEXT, required=False, allow_blank=True, default="")
    category = serializers.ChoiceField(
        choices=Category.choices, required=False, default=Category.OTHER
    )
    channels = _choices_input(Channel.choices, bounds.CHANNELS, required=False, default=list)
    is_confidential = StrictBooleanField(required=False, default=False)
    owner = OwnerField(required=False, allow_null=True, default=None)
    participants = UsernamesField(max_length=bounds.PARTICIPANTS, required=False, default=list)
    detected_at = AwareDateTimeField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_(
            "When the crisis was spotted (default now): ISO 8601 with a UTC offset, from "
            "2000-01-01 to now."
        ),
    )

    def validate_channels(self, value):
        return _distinct(value)


class IncidentUpdateInputSerializer(StrictInputSerializer):
    """The fields PATCH may change; any other field is refused with a hint."""

    read_only_hints = {
        "status": USE_A_TRANSITION,
        **{
            name: _("Read-only: set by the lifecycle, not by PATCH.")
            for name in (
                "id", "reference", "resolution", "resolution_summary", "duplicate_of",
                "assessed_at", "response_due_at", "resolution_due_at", "response_started_at",
                "first_response_at", "first_public_response_at", "resolved_at", "reviewed_at",
                "overdue", "response_deadline", "resolution_deadline", "created_at", "created_by",
                "updated_at", "version", "available_transitions", "review",
            )
        },
        "actions_summary": _("Read-only: the figures of its actions (/api/v1/actions/{id}/)."),
    }  # fmt: skip

    title = SingleLineCharField(max_length=bounds.TITLE, required=False)
    summary = _text(bounds.LONG_TEXT, required=False, allow_blank=True)
    category = serializers.ChoiceField(choices=Category.choices, required=False)
    channels = _choices_input(Channel.choices, bounds.CHANNELS, required=False)
    severity = serializers.ChoiceField(
        choices=Severity.choices,
        required=False,
        help_text=_(
            "Only once assessed; both deadlines follow it, counted from the assessment by "
            "the severity policy now in force."
        ),
    )
    scope = serializers.ChoiceField(choices=Scope.choices, required=False)
    estimated_reach = StrictIntegerField(model_field=_REACH, required=False, allow_null=True)
    affected_count = StrictIntegerField(model_field=_AFFECTED, required=False, allow_null=True)
    impact = _choices_input(Impact.choices, bounds.IMPACTS, required=False)
    rationale = _text(bounds.REASON, required=False, allow_blank=True)
    owner = OwnerField(required=False, allow_null=True)
    participants = UsernamesField(max_length=bounds.PARTICIPANTS, required=False)
    is_confidential = StrictBooleanField(required=False)
    detected_at = AwareDateTimeField(required=False)

    def validate_channels(self, value):
        return _distinct(value)

    def validate_impact(self, value):
        return _distinct(value)


class _AssessmentInput(StrictInputSerializer):
    """The optional fields of an assessment, shared by assess and reopen."""

    scope = serializers.ChoiceField(
        choices=Scope.choices, required=False, allow_null=True, default=None
    )
    estimated_reach = StrictIntegerField(
        model_field=_REACH,
        required=False,
        allow_null=True,
        default=None,
        help_text=_("People who saw it."),
    )
    affected_count = StrictIntegerField(
        model_field=_AFFECTED,
        required=False,
        allow_null=True,
        default=None,
        help_text=_("People directly affected."),
    )
    impact = _choices_input(Impact.choices, bounds.IMPACTS, required=False, default=list)
    rationale = _text(bounds.REASON, required=False, allow_blank=True, default="")

    def validate_impact(self, value):
        return _distinct(value)


class IncidentAssessInputSerializer(_AssessmentInput):
    """Assess: how bad, how wide, who is affected, and why."""

    severity = serializers.ChoiceField(choices=Severity.choices)


class IncidentRespondInputSerializer(StrictInputSerializer):
    """Respond: who owns the response (when omitted: the current owner, else the caller)."""

    owner = OwnerField(required=False, allow_null=True, default=None)


class IncidentResolveInputSerializer(StrictInputSerializer):
    """Resolve: the solutions that were presented."""

    resolution_summary = _text(bounds.LONG_TEXT)


class IncidentDismissInputSerializer(StrictInputSerializer):
    """Dismiss: why no response is needed, and the original if it is a duplicate."""

    reason = _text(bounds.REASON)
    duplicate_of = StrictUUIDField(required=False, allow_null=True, default=None)

    def validate_duplicate_of(self, value):
        if value is None:
            return None
        incident = self.context["incident"]
        if value == incident.pk:
            raise serializers.ValidationError(_("An incident cannot duplicate itself."))
        original = self.context["visible_incidents"].filter(pk=value).first()
        if original is None:
            raise serializers.ValidationError(
                _("No incident %(id)s that you can see.") % {"id": value}
            )
        return original


class IncidentReopenInputSerializer(_AssessmentInput):
    """Reopen: why the crisis is back.

    An incident dismissed before it was assessed is assessed as it reopens: `severity` is then
    required, and `scope`, `estimated_reach`, `affected_count`, `impact` and `rationale` may be
    given; the response deadline follows as at assess. An incident that was assessed takes
    only the reason (change its assessment with PATCH).
    """

    reason = _text(bounds.REASON)
    severity = serializers.ChoiceField(
        choices=Severity.choices,
        required=False,
        allow_null=True,
        default=None,
        help_text=_("Required when the incident was never assessed."),
    )


class IncidentReviewInputSerializer(StrictInputSerializer):
    """Review: the post-incident review record (managers only)."""

    summary = _text(bounds.LONG_TEXT)
    root_cause = _text(bounds.LONG_TEXT)
    what_went_well = _text(bounds.LONG_TEXT)
    what_went_wrong = _text(bounds.LONG_TEXT)
    lessons_learned = _text(bounds.LONG_TEXT)
    follow_up_actions = BoundedListField(
        child=SingleLineCharField(max_length=bounds.FOLLOW_UP_ACTION),
        max_length=bounds.FOLLOW_UP_ACTIONS,
        required=False,
        default=list,
    )


class NoteInputSerializer(StrictInputSerializer):
    """A note for the timeline: what we know now."""

    note = _text(bounds.LONG_TEXT)
