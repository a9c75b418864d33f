"""Signals over the API: the batch a monitoring tool posts, and signals as they are shown."""

import re
import uuid

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from crisis_api.auth.permissions import is_feed_only
from crisis_api.fields import (
    AwareDateTimeField,
    BoundedListField,
    HttpUrlField,
    JsonObjectField,
    SingleLineCharField,
    StrictCharField,
    StrictIntegerField,
    StrictNumberField,
    StrictUUIDField,
    has_visible_characters,
)
from crisis_api.serializers import StrictInputSerializer
from incidents.models import Channel, Scope, Severity
from incidents.monitoring import models as m
from incidents.monitoring.models import Signal
from incidents.monitoring.services import CLOSED_FOR_SIGNALS
from incidents.selectors import incidents_visible_to

BATCH_MAX_ITEMS = 500
_LANGUAGE = re.compile(r"^([a-zA-Z]{2})(?:[-_][a-zA-Z0-9]{1,8})*$")


@extend_schema_field(
    {"type": "string", "pattern": "^[A-Za-z]{2}([-_][A-Za-z0-9]{1,8})*$", "example": "fr"}
)
class LanguageField(SingleLineCharField):
    """An ISO 639-1 code (`fr`); a language tag such as `fr-FR` is taken as its language."""

    default_error_messages = {
        "language": _('Give a two-letter ISO 639-1 language code, e.g. "fr" or "en".')
    }

    def __init__(self, **kwargs):
        super().__init__(max_length=35, **kwargs)

    def to_internal_value(self, data):
        match = _LANGUAGE.match(super().to_internal_value(data))
        if match is None:
            self.fail("language")
        return match.group(1).lower()


class SignalInputSerializer(StrictInputSerializer):
    """One signal as a monitoring tool reports it."""

    platform = serializers.ChoiceField(choices=Channel.choices)
    observed_at = AwareDateTimeField(help_text=_("When the post was published or seen."))
    content = StrictCharField(max_length=m.CONTENT_MAX_LENGTH, help_text=_("The text."))
    url = HttpUrlField(max_length=m.URL_MAX_LENGTH, required=False, allow_blank=True)
    external_id = SingleLineCharField(
        max_length=m.HANDLE_MAX_LENGTH,
        required=False,
        allow_blank=True,
        help_text=_("The platform's id of the post."),
    )
    author = SingleLineCharField(
        max_length=m.HANDLE_MAX_LENGTH, required=False, allow_blank=True, help_text=_("Handle.")
    )
    language = LanguageField(required=False, allow_blank=True)
    sentiment = StrictNumberField(
        min_value=-1, max_value=1, required=False, allow_null=True, help_text=_("-1 to 1.")
    )
    reach = StrictIntegerField(
        min_value=0, max_value=m.AUDIENCE_MAX, required=False, allow_null=True,
        help_text=_("People who may have seen it."),
    )  # fmt: skip
    engagement = StrictIntegerField(
        min_value=0, max_value=m.AUDIENCE_MAX, required=False, allow_null=True,
        help_text=_("Likes, shares, replies."),
    )  # fmt: skip
    group_key = SingleLineCharField(
        max_length=m.HANDLE_MAX_LENGTH,
        required=False,
        allow_blank=True,
        help_text=_("The monitoring tool's topic or alert id: signals with one key go together."),
    )
    incident = StrictUUIDField(
        required=False, allow_null=True, help_text=_("Attach to this incident explicitly.")
    )
    raw = JsonObjectField(
        max_bytes=m.RAW_MAX_BYTES,
        required=False,
        help_text=_("The tool's original payload (a JSON object of at most 16 KB)."),
    )

    def validate_content(self, value):
        if not has_visible_characters(value):
            raise serializers.ValidationError(_("Give the text of the post; it is empty."))
        return value


# --- The lean path of a batch ---------------------------------------------------------------
#
# DRF validates 500 items field by field (run_validation, validators scanning every character
# in Python): most of a batch's cost. The checks below give, for a value the fields accept
# without a doubt, exactly the value they give; for anything else (a wrong type, a value out of
# bounds, a character to refuse…) they give up and the fields validate the whole batch. They
# may refuse too much, never too little (tests/monitoring/test_lean_validation.py compares).

# Characters a single-line value refuses (crisis_api.fields.has_control_characters: Unicode
# categories Cc, Zl and Zp, and the invisible direction controls), NUL and the surrogates that
# every CharField refuses.
_NOT_SINGLE_LINE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff\ud800-\udfff]"
)
_NUL_OR_SURROGATE = re.compile("[\x00\ud800-\udfff]")
_PLAIN_TEXT = ("external_id", "author", "group_key")  # single lines, blank allowed
_AUDIENCE = ("reach", "engagement")
_DELEGATED = ("observed_at", "url", "language", "incident", "raw")  # the field's own checks


def _lean_text(value, max_length: int, pattern) -> str | None:
    if type(value) is not str:
        return None
    value = value.strip()
    if len(value) > max_length or pattern.search(value):
        return None
    return value


def _lean_item(item, fields, platforms) -> dict | None:
    """The validated signal, or None when a field might refuse it."""
    if type(item) is not dict or not ("platform" in item and "content" in item):
        return None
    value = {}
    for name, raw in item.items():
        if name == "platform":
            if type(raw) is not str or raw not in platforms:
                return None
        elif name == "content":
            raw = _lean_text(raw, m.CONTENT_MAX_LENGTH, _NUL_OR_SURROGATE)
            if not raw or not has_visible_characters(raw):
                return None
        elif name in _PLAIN_TEXT:
            raw = _lean_text(raw, m.HANDLE_MAX_LENGTH, _NOT_SINGLE_LINE)
            if raw is None:
                return None
        elif name == "sentiment":
            if raw is not None:
                kind = type(raw)
                if kind is int and -1 <= raw <= 1:
                    raw = float(raw)
                elif kind is not float or not -1.0 <= raw <= 1.0:  # NaN fails too
                    return None
        elif name in _AUDIENCE:
            if raw is not None and (type(raw) is not int or not 0 <= raw <= m.AUDIENCE_MAX):
                return None
        elif name in _DELEGATED:
            try:
                raw = fields[name].run_validation(raw)
            except serializers.ValidationError:
                return None
        else:
            return None  # a field the serializer does not know
        value[name] = raw
    if "observed_at" not in value:
        return None
    return {name: value[name] for name in fields if name in value}  # the fields' order


def _lean_batch(data, child: "SignalInputSerializer") -> dict | None:
    """{"signals": [validated signals]} when every item is plainly valid, else None."""
    if type(data) is not dict or len(data) != 1 or type(data.get("signals")) is not list:
        return None
    items = data["signals"]
    if not 1 <= len(items) <= BATCH_MAX_ITEMS:
        return None
    fields = child.fields
    platforms = set(Channel.values)
    signals = []
    for item in items:
        value = _lean_item(item, fields, platforms)
        if value is None:
            return None
        signals.append(value)
    return {"signals": signals}


class SignalBatchInputSerializer(StrictInputSerializer):
    """A batch of 1 to 500 signals: all stored, or none."""

    signals = BoundedListField(
        child=SignalInputSerializer(),
        min_length=1,
        max_length=BATCH_MAX_ITEMS,
        error_messages={
            "max_length": _(
                "At most {max_length} signals per batch; split the batch and send the parts."
            ),
            "min_length": _("Send at least one signal."),
        },
    )

    def to_internal_value(self, data):
        """Validate every item, then resolve the incidents they name (one query); the errors of
        both are reported together, by index and field.

        A batch whose items are all plainly valid takes a lean path (`_lean_batch`) that gives
        the same values; any doubt, and the whole batch goes through the fields, which word
        every error."""
        errors = {}
        value = _lean_batch(data, self.fields["signals"].child)
        if value is None:
            try:
                value = super().to_internal_value(data)
            except serializers.ValidationError as exc:
                errors = exc.detail
                value = None
        items = data.get("signals") if isinstance(data, dict) else None
        if not isinstance(items, list) or len(items) > BATCH_MAX_ITEMS:
            if errors:
                raise serializers.ValidationError(errors)
            return value
        named = {}
        for index, item in enumerate(items):
            raw = item.get("incident") if isinstance(item, dict) else None
            if isinstance(raw, str):
                try:
                    named[index] = uuid.UUID(raw)
                except ValueError:
                    continue
        found = {}
        if named:
            user = self.context["request"].user
            visible = incidents_visible_to(user)
            if is_feed_only(user):  # a feed names only the incidents it opened: no probing
                visible = visible.filter(created_by=user)
            visible = visible.filter(pk__in=set(named.values()))
            found = {incident.pk: incident for incident in visible.only("pk", "status")}
        incident_errors = {}
        for index, pk in named.items():
            incident = found.get(pk)
            if incident is None:
                message = _("No incident you may see has this id; leave it out to group the "
                            "signal automatically.")  # fmt: skip
                incident_errors[index] = {"incident": [message]}
            elif incident.status == "reviewed":
                incident_errors[index] = {"incident": [CLOSED_FOR_SIGNALS]}
            elif value is not None:
                value["signals"][index]["incident"] = incident
        if incident_errors:
            item_errors = errors.get("signals", {}) if isinstance(errors, dict) else {}
            if not isinstance(item_errors, dict):  # a message about the whole list
                raise serializers.ValidationError(errors)
            for index, problem in incident_errors.items():
                item_errors.setdefault(index, {}).update(problem)
            errors = {**errors, "signals": dict(sorted(item_errors.items()))}
        if errors:
            raise serializers.ValidationError(errors)
        return value


# --- Output ---------------------------------------------------------------------------------


class SignalResultSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text=_("Position in the batch sent."))
    status = serializers.ChoiceField(choices=[("created", "created"), ("duplicate", "duplicate")])
    signal = serializers.UUIDField(help_text=_("Its id (the stored one, for a duplicate)."))
    incident = serializers.UUIDField(
        allow_null=True,
        help_text=_("The incident it feeds (null when it is one you may not see)."),
    )
    reference = serializers.CharField(allow_null=True)


class SignalIngestionSerializer(serializers.Serializer):
    received = serializers.IntegerField()
    created = serializers.IntegerField()
    duplicates = serializers.IntegerField()
    incidents_opened = serializers.IntegerField()
    results = SignalResultSerializer(many=True)


class SignalSerializer(serializers.ModelSerializer):
    """A stored signal."""

    sentiment = serializers.FloatField(allow_null=True)
    language = serializers.CharField(allow_null=True)
    cluster = serializers.IntegerField(
        source="cluster_id",
        allow_null=True,
        help_text=_("Signals with the same cluster have near-identical text."),
    )
    received_from = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Signal
        fields = [
            "id", "platform", "observed_at", "content", "url", "external_id", "author",
            "language", "sentiment", "reach", "engagement", "group_key", "cluster",
            "received_at", "received_from",
        ]  # fmt: skip
        read_only_fields = fields

    def to_representation(self, signal):
        data = super().to_representation(signal)
        data["language"] = data["language"] or None
        return data


class HourCountSerializer(serializers.Serializer):
    start = serializers.DateTimeField(help_text=_("The hour's start (UTC)."))
    count = serializers.IntegerField()


class TopAuthorSerializer(serializers.Serializer):
    author = serializers.CharField()
    signals = serializers.IntegerField()
    reach = serializers.IntegerField()


@extend_schema_field({"type": "object", "additionalProperties": {"type": "integer"}})
class CountsField(serializers.DictField):
    """{value: count}, largest first."""


class SignalsSummarySerializer(serializers.Serializer):
    """What monitoring saw of an incident, in figures."""

    count = serializers.IntegerField()
    authors = serializers.IntegerField(help_text=_("Distinct authors."))
    reach = serializers.IntegerField(help_text=_("Sum of the signals' reach."))
    engagement = serializers.IntegerField()
    platforms = CountsField(help_text=_("Platform → signals."))
    languages = CountsField(help_text=_("Language → signals (signals with a language)."))
    first_observed_at = serializers.DateTimeField(allow_null=True)
    last_observed_at = serializers.DateTimeField(allow_null=True)
    peak_hour = HourCountSerializer(allow_null=True, help_text=_("The busiest hour."))
    per_hour = HourCountSerializer(many=True, help_text=_("The last 48 hours, oldest first."))
    negative_share = serializers.FloatField(
        allow_null=True,
        help_text=_("Share of the signals with a sentiment that are below -0.25."),
    )
    near_duplicate_share = serializers.FloatField(
        allow_null=True,
        help_text=_("Share of the signals whose text is near-identical to another author's."),
    )
    top_authors = TopAuthorSerializer(many=True, help_text=_("The 10 most active authors."))


class ReasonSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField(help_text=_("In the caller's language."))


class CopyBurstSerializer(serializers.Serializer):
    cluster = serializers.IntegerField()
    signals = serializers.IntegerField(help_text=_("Signals of this text in the incident."))
    share = serializers.FloatField()
    authors = serializers.IntegerField(help_text=_("Distinct authors within the window."))
    window_start = serializers.DateTimeField()
    window_end = serializers.DateTimeField()


class SuggestionFiguresSerializer(serializers.Serializer):
    signals = serializers.IntegerField()
    authors = serializers.IntegerField(help_text=_("Distinct authors."))
    reach = serializers.IntegerField()
    platforms = serializers.IntegerField(help_text=_("Distinct platforms."))
    last_hour = serializers.IntegerField(help_text=_("Signals of the last 60 minutes."))
    previous_hour = serializers.IntegerField(help_text=_("Signals of the 60 minutes before."))
    with_sentiment = serializers.IntegerField(help_text=_("Signals that carry a sentiment."))
    negative_share = serializers.FloatField(allow_null=True)
    largest_copy_burst = CopyBurstSerializer(
        allow_null=True,
        help_text=_(
            "The near-identical text with the most distinct authors within the window, among "
            "texts that are at least 30% of the signals and have two authors or more."
        ),
    )


class AssessmentSuggestionSerializer(serializers.Serializer):
    """What the signals suggest; a person decides (nothing applies it)."""

    scope = serializers.ChoiceField(choices=Scope.choices, allow_null=True)
    severity = serializers.ChoiceField(choices=Severity.choices, allow_null=True)
    reasons = ReasonSerializer(many=True)
    figures = SuggestionFiguresSerializer()
