"""The severity policy in the admin: managers change the windows; the rows are fixed."""

from django import forms
from django.contrib import admin
from django.db.models import Case, IntegerField, Value, When
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from crisis_api.admin_display import duration_display
from incidents.admin import display
from incidents.deadlines.services import severity_policy_update
from incidents.models import Severity, SeverityPolicy

# The most severe first, as managers read the table.
SEVERITY_RANK = Case(
    *(
        When(severity=value, then=Value(rank))
        for rank, value in enumerate(reversed(Severity.values))
    ),
    output_field=IntegerField(),
)
HOW_TO_WRITE = _(
    "Days, then hours:minutes:seconds: 1:00:00 is one hour, 3 00:00:00 is three days; from "
    "one minute to 365 days."
)


def _help(field: str):
    return format_lazy("{} {}", SeverityPolicy._meta.get_field(field).help_text, HOW_TO_WRITE)


class SeverityPolicyForm(forms.ModelForm):
    """The two windows, with how to write a duration."""

    class Meta:
        model = SeverityPolicy
        fields = ["response_window", "resolution_window"]
        help_texts = {name: _help(name) for name in fields}


@admin.register(SeverityPolicy)
class SeverityPolicyAdmin(admin.ModelAdmin):
    """One row per severity: change its windows; a change is recorded on the system stream."""

    form = SeverityPolicyForm
    list_display = ("severity_badge", "response_window_display", "resolution_window_display")
    list_display_links = ("severity_badge",)
    fields = ("severity_badge", "response_window", "resolution_window")
    readonly_fields = ("severity_badge",)
    ordering = (SEVERITY_RANK.asc(),)

    @admin.display(description=_("severity"))
    def severity_badge(self, policy):
        return display.severity_badge(policy)

    @admin.display(description=_("time to respond"))
    def response_window_display(self, policy):
        return duration_display(policy.response_window)

    @admin.display(description=_("time to resolve"))
    def resolution_window_display(self, policy):
        return duration_display(policy.resolution_window)

    def has_add_permission(self, request):
        return False  # one row per severity, created by a migration

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        severity_policy_update(
            severity=obj.pk,
            actor=request.user,
            response_window=form.cleaned_data["response_window"],
            resolution_window=form.cleaned_data["resolution_window"],
        )
