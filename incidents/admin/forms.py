"""Admin forms: the incident's editable fields and the input of each transition."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from crisis_api.fields import integer_range
from crisis_api.lifecycle.admin import TransitionForm
from incidents.models import Channel, Impact, Incident, Scope, Severity
from incidents.selectors import incidents_visible_to, users_who_can_respond
from incidents.services import EDITABLE_FIELDS

CHECKBOXES = forms.CheckboxSelectMultiple


class IncidentAdminForm(forms.ModelForm):
    """The fields a manager edits; channels and impact as checkbox lists."""

    channels = forms.MultipleChoiceField(
        label=_("channels"), choices=Channel.choices, widget=CHECKBOXES, required=False
    )
    impact = forms.MultipleChoiceField(
        label=_("impact"), choices=Impact.choices, widget=CHECKBOXES, required=False
    )
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Incident
        fields = list(EDITABLE_FIELDS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "owner" in self.fields:
            self.fields["owner"].queryset = users_who_can_respond()
        if "severity" in self.fields:
            self.fields["severity"].required = True  # once assessed, it can change but not go
        if "participants" in self.fields:
            users = get_user_model().objects.filter(is_active=True).order_by("username")
            self.fields["participants"].queryset = users
        if self.instance.pk and "expected_version" in self.fields:
            self.fields["expected_version"].initial = self.instance.version


def _text(label, rows=3, **kwargs) -> forms.CharField:
    return forms.CharField(label=label, widget=forms.Textarea(attrs={"rows": rows}), **kwargs)


def _column_bounded(name: str, **kwargs) -> forms.IntegerField:
    """An integer input bounded by its column's range: 2**63 is a form error, not a 500."""
    low, high = integer_range(Incident._meta.get_field(name))
    return forms.IntegerField(min_value=low, max_value=high, **kwargs)


def _assessment_fields() -> dict[str, forms.Field]:
    """The fields of an assessment, for assessing and for reopening a never-assessed incident."""
    return {
        "severity": forms.ChoiceField(
            label=_("severity"), choices=Severity.choices, widget=forms.RadioSelect
        ),
        "scope": forms.ChoiceField(
            label=_("scope"), choices=[("", "—"), *Scope.choices], required=False
        ),
        "estimated_reach": _column_bounded(
            "estimated_reach",
            label=_("estimated reach"),
            required=False,
            help_text=_("People who saw it."),
        ),
        "affected_count": _column_bounded(
            "affected_count",
            label=_("people affected"),
            required=False,
            help_text=_("People directly affected."),
        ),
        "impact": forms.MultipleChoiceField(
            label=_("impact"), choices=Impact.choices, widget=CHECKBOXES, required=False
        ),
        "rationale": _text(_("rationale"), required=False),
    }


class AssessForm(TransitionForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(_assessment_fields())


class RespondForm(TransitionForm):
    owner = forms.ModelChoiceField(
        label=_("owner"),
        queryset=get_user_model().objects.none(),
        required=False,
        help_text=_("Empty: the current owner, else you."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = users_who_can_respond()


class ResolveForm(TransitionForm):
    resolution_summary = _text(
        _("resolution summary"), rows=4, help_text=_("The solutions that were presented.")
    )


class DismissForm(TransitionForm):
    reason = _text(_("reason"))
    duplicate_of = forms.ModelChoiceField(
        label=_("duplicate of"),
        queryset=Incident.objects.none(),
        required=False,
        help_text=_("If it duplicates another incident."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        others = incidents_visible_to(self.user).exclude(pk=self.record.pk)
        self.fields["duplicate_of"].queryset = others.order_by("-created_at")


class ReopenForm(TransitionForm):
    """Why it is back; an incident dismissed before any assessment is assessed now."""

    reason = _text(_("reason"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.record.assessed_at is None:
            self.fields.update(_assessment_fields())
            self.fields["severity"].help_text = _(
                "It was dismissed before it was assessed: assess it now."
            )


class ReviewForm(TransitionForm):
    summary = _text(_("summary"))
    root_cause = _text(_("root cause"))
    what_went_well = _text(_("what went well"))
    what_went_wrong = _text(_("what went wrong"))
    lessons_learned = _text(_("lessons learned"))
    follow_up_actions = _text(_("follow-up actions"), required=False, help_text=_("One per line."))

    def clean_follow_up_actions(self):
        lines = self.cleaned_data["follow_up_actions"].splitlines()
        return [line.strip() for line in lines if line.strip()]


TRANSITION_FORMS = {
    "assess": AssessForm,
    "respond": RespondForm,
    "resolve": ResolveForm,
    "dismiss": DismissForm,
    "reopen": ReopenForm,
    "review": ReviewForm,
}
