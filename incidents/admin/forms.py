"""Admin forms: the incident's editable fields and the input of each transition."""

from django import forms
from django.contrib.auth import get_user_model

from crisis_api.fields import integer_range
from incidents.models import Channel, Impact, Incident, Scope, Severity
from incidents.selectors import incidents_visible_to, users_who_can_respond

CHECKBOXES = forms.CheckboxSelectMultiple


class VersionedForm(forms.Form):
    """Carries the version the manager saw, so a stale form is refused like a stale If-Match."""

    version = forms.IntegerField(widget=forms.HiddenInput)


class IncidentAdminForm(forms.ModelForm):
    """The fields a manager edits; channels and impact as checkbox lists."""

    channels = forms.MultipleChoiceField(choices=Channel.choices, widget=CHECKBOXES, required=False)
    impact = forms.MultipleChoiceField(choices=Impact.choices, widget=CHECKBOXES, required=False)
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Incident
        fields = [
            "title", "summary", "category", "channels", "severity", "scope", "estimated_reach",
            "affected_count", "impact", "rationale", "owner", "participants", "is_confidential",
            "detected_at",
        ]  # fmt: skip

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


def _column_bounded(name: str, **kwargs) -> forms.IntegerField:
    """An integer input bounded by its column's range: 2**63 is a form error, not a 500."""
    low, high = integer_range(Incident._meta.get_field(name))
    return forms.IntegerField(min_value=low, max_value=high, **kwargs)


class AssessForm(VersionedForm):
    severity = forms.ChoiceField(choices=Severity.choices, widget=forms.RadioSelect)
    scope = forms.ChoiceField(choices=[("", "—"), *Scope.choices], required=False)
    estimated_reach = _column_bounded(
        "estimated_reach", required=False, help_text="People who saw it."
    )
    affected_count = _column_bounded(
        "affected_count", required=False, help_text="People directly affected."
    )
    impact = forms.MultipleChoiceField(choices=Impact.choices, widget=CHECKBOXES, required=False)
    rationale = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)


class RespondForm(VersionedForm):
    owner = forms.ModelChoiceField(
        queryset=get_user_model().objects.none(),
        required=False,
        help_text="Empty: the current owner, else you.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = users_who_can_respond()


class ResolveForm(VersionedForm):
    resolution_summary = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), help_text="The solutions that were presented."
    )


class DismissForm(VersionedForm):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
    duplicate_of = forms.ModelChoiceField(
        queryset=Incident.objects.none(), required=False, help_text="If it duplicates another."
    )

    def __init__(self, *args, incident: Incident, user, **kwargs):
        super().__init__(*args, **kwargs)
        others = incidents_visible_to(user).exclude(pk=incident.pk).order_by("-created_at")
        self.fields["duplicate_of"].queryset = others


class ReopenForm(VersionedForm):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))


class ReviewForm(VersionedForm):
    summary = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
    root_cause = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
    what_went_well = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
    what_went_wrong = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
    lessons_learned = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
    follow_up_actions = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, help_text="One per line."
    )

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


def transition_form(name: str, data=None, *, incident: Incident, user):
    """The bound or unbound form of one transition."""
    form_class = TRANSITION_FORMS[name]
    kwargs = {"initial": {"version": incident.version}}
    if form_class is DismissForm:
        kwargs.update(incident=incident, user=user)
    return form_class(data, **kwargs)
