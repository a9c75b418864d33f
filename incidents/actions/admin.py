"""Actions in the admin: their own pages (transitions through the services) and the "Actions"
panel of the incident page, with overdue badges and compensation totals."""

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.forms.models import construct_instance
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext

from crisis_api.admin_display import EMPTY, datetime_display, titled
from crisis_api.errors import InvalidInput, ProblemError
from crisis_api.fields import EARLIEST_DATETIME
from crisis_api.lifecycle.admin import TransitionAdminMixin, TransitionForm
from incidents.actions import selectors, services
from incidents.actions.models import Action, Status, overdue_q
from incidents.actions.state import action_machine
from incidents.admin.display import badge
from incidents.models import Incident
from incidents.selectors import incidents_visible_to, users_who_can_respond

STATUS_COLOURS = {Status.OPEN: "#1565c0", Status.DONE: "#2e7d32", Status.CANCELLED: "#757575"}
OVERDUE_COLOUR = "#b71c1c"
DUE_AT_MAX_AHEAD = timedelta(days=3650)
# Labels of the action events, for the incident's timeline too.
EVENT_LABELS = {
    "action.created": gettext_lazy("Action added"),
    "action.updated": gettext_lazy("Action updated"),
    "action.completed": gettext_lazy("Action completed"),
    "action.cancelled": gettext_lazy("Action cancelled"),
    "action.reopened": gettext_lazy("Action reopened"),
}
LIFECYCLE = [
    "status_badge", "overdue_badge", "version", "incident_link", "from_review", "created_by",
    "created_at", "completed_at", "cancelled_at", "cancel_reason",
]  # fmt: skip


def status_badge(action: Action):
    return badge(action.status, action.get_status_display(), STATUS_COLOURS[action.status])


def overdue_badge(action: Action, now=None):
    """A red "Overdue" while open past its due time; nothing otherwise."""
    if not action.is_overdue(now or timezone.now()):
        return ""
    return badge(
        "overdue",
        _("Overdue"),
        OVERDUE_COLOUR,
        title=_("due %(when)s") % {"when": datetime_display(action.due_at)},
    )


def money(amount, currency: str) -> str:
    """150.00 EUR, in the language's number format."""
    return f"{number_format(amount, decimal_pos=2, force_grouping=True)} {currency}"


def compensation_totals(summary: selectors.ActionsSummary) -> str:
    if not summary.compensation:
        return EMPTY
    return format_html_join(
        ", ",
        "<strong>{}</strong> ({})",
        (
            (
                money(total.total, total.currency),
                ngettext("%(count)s compensation", "%(count)s compensations", total.count)
                % {"count": total.count},
            )
            for total in summary.compensation
        ),
    )


def actions_panel(incident: Incident) -> str:
    """The incident page's panel: counts, compensation totals, every action, and a link to add
    one. Two queries (the summary and the actions)."""
    now = timezone.now()
    summary = selectors.actions_summary(incident=incident, now=now)
    actions = list(selectors.incident_actions(incident=incident))
    figures = [
        (pgettext("actions count", "open"), summary.open),
        (pgettext("actions count", "overdue"), summary.overdue),
        (pgettext("actions count", "done"), summary.done),
        (pgettext("actions count", "cancelled"), summary.cancelled),
    ]
    rows = format_html_join(
        "",
        '<tr class="crisis-action" data-status="{}"><td><a href="{}">{}</a></td><td>{}</td>'
        '<td>{} {}</td><td>{}</td><td>{}</td><td style="white-space:nowrap">{}</td></tr>',
        (
            (
                action.status,
                reverse("admin:actions_action_change", args=[action.pk]),
                action.title,
                action.get_kind_display(),
                status_badge(action),
                overdue_badge(action, now),
                action.owner.username if action.owner else EMPTY,
                datetime_display(action.due_at),
                money(action.amount, action.currency) if action.amount is not None else EMPTY,
            )
            for action in actions
        ),
    )
    table = (
        format_html(
            '<div class="crisis-scroll"><table id="crisis-actions"><thead><tr><th>{}</th>'
            "<th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>"
            "<tbody>{}</tbody></table></div>",
            _("action"),
            _("kind"),
            _("status"),
            _("owner"),
            _("due"),
            _("amount"),
            rows,
        )
        if actions
        else format_html("<p>{}</p>", _("No actions yet."))
    )
    add = reverse("admin:actions_action_add") + f"?incident={incident.pk}"
    return format_html(
        '<div class="crisis-actions-panel"><dl class="crisis-figures">{}<dt>{}</dt><dd>{}</dd>'
        '</dl>{}<p><a class="button" id="crisis-add-action" href="{}">{}</a></p></div>',
        format_html_join("", "<dt>{}</dt><dd>{}</dd>", figures),
        _("compensations (not cancelled)"),
        compensation_totals(summary),
        table,
        add,
        _("Add an action"),
    )


# --- Forms ----------------------------------------------------------------------------------


class ActionAdminForm(forms.ModelForm):
    """An action's fields; the same rules as the API (the services' checks)."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Action
        fields = ["incident", *services.EDITABLE_FIELDS]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if "incident" in self.fields:
            self.fields["incident"].queryset = incidents_visible_to(user).order_by("-created_at")
        self.fields["owner"].queryset = users_who_can_respond()
        if self.instance.pk:
            self.fields["expected_version"].initial = self.instance.version

    def clean_due_at(self):
        due_at = self.cleaned_data["due_at"]
        if due_at and not EARLIEST_DATETIME <= due_at <= timezone.now() + DUE_AT_MAX_AHEAD:
            raise forms.ValidationError(
                _("Give a date from 2000-01-01 to ten years from now."), code="range"
            )
        return due_at

    def clean(self):
        data = super().clean()
        value = lambda name: data.get(name, getattr(self.instance, name, None))  # noqa: E731
        incident = data.get("incident") if "incident" in self.fields else self.instance.incident
        for check in (
            lambda: services.check_compensation(
                kind=value("kind"),
                amount=value("amount"),
                currency=value("currency") or "",
                beneficiaries=value("beneficiaries"),
            ),
            lambda: incident and services.check_owner(incident, data.get("owner")),
        ):
            try:
                check()
            except InvalidInput as invalid:
                for name, problems in invalid.extra["errors"].items():
                    if name not in self.errors:
                        self.add_error(name, problems)
        return data

    def _post_clean(self):
        # The services check and save the action; the form only carries its values (the
        # model's own validation would repeat the checks above as "constraint violated").
        self.instance = construct_instance(self, self.instance, self._meta.fields)


class CompleteForm(TransitionForm):
    note = forms.CharField(
        label=gettext_lazy("note"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=5000,
        help_text=gettext_lazy("How it was done (optional)."),
    )


class CancelForm(TransitionForm):
    reason = forms.CharField(
        label=gettext_lazy("reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )


class ReopenForm(TransitionForm):
    reason = forms.CharField(
        label=gettext_lazy("reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=5000,
    )


TRANSITION_FORMS = {"complete": CompleteForm, "cancel": CancelForm, "reopen": ReopenForm}


# --- Admin ----------------------------------------------------------------------------------


class OverdueFilter(admin.SimpleListFilter):
    title = gettext_lazy("due time")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", gettext_lazy("Overdue")), ("no", gettext_lazy("Not overdue"))]

    def queryset(self, request, queryset):
        overdue = overdue_q(timezone.now())
        if self.value() == "yes":
            return queryset.filter(overdue)
        if self.value() == "no":
            return queryset.exclude(overdue)
        return queryset


@admin.register(Action)
class ActionAdmin(TransitionAdminMixin, admin.ModelAdmin):
    """Actions for managers: every write goes through incidents.actions.services."""

    machine = action_machine
    transition_forms = TRANSITION_FORMS
    transition_services = services.TRANSITION_SERVICES
    lifecycle_record_kwarg = "action_id"
    immediate_transitions = ("complete",)
    timeline_action_labels = EVENT_LABELS
    form = ActionAdminForm
    list_display = (
        "title", "incident_link", "kind", "status_badge", "overdue_badge", "owner", "due_at",
        "amount_display",
    )  # fmt: skip
    list_filter = (
        ("status", titled(admin.ChoicesFieldListFilter, gettext_lazy("status"))),
        ("kind", titled(admin.ChoicesFieldListFilter, gettext_lazy("kind"))),
        OverdueFilter,
        ("owner", titled(admin.RelatedOnlyFieldListFilter, gettext_lazy("owner"))),
    )
    search_fields = ("title", "description", "incident__reference")
    ordering = ("-created_at", "-id")

    @admin.display(description=gettext_lazy("status"), ordering="status")
    def status_badge(self, action):
        return status_badge(action)

    @admin.display(description=gettext_lazy("overdue"))
    def overdue_badge(self, action):
        return overdue_badge(action) or EMPTY

    @admin.display(description=gettext_lazy("incident"), ordering="incident__reference")
    def incident_link(self, action):
        url = reverse("admin:incidents_incident_change", args=[action.incident_id])
        return format_html('<a href="{}">{}</a>', url, action.incident.reference)

    @admin.display(description=gettext_lazy("amount"))
    def amount_display(self, action):
        return money(action.amount, action.currency) if action.amount is not None else EMPTY

    def get_queryset(self, request):
        visible = selectors.actions_visible_to(request.user)
        return visible.select_related("incident", "owner", "created_by")

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        user = request.user

        class FormForUser(form):
            def __init__(self, *args, **kw):
                super().__init__(*args, user=user, **kw)

        return FormForUser

    def get_fieldsets(self, request, obj=None):
        fields = [*services.EDITABLE_FIELDS]
        if obj is None:
            return [(None, {"fields": ["incident", *fields]})]
        return [
            (None, {"fields": fields}),
            (_("Lifecycle (changes only through the transitions)"), {"fields": LIFECYCLE}),
            (_("Timeline"), {"fields": ["chain_display", "timeline_display"]}),
            (None, {"fields": ["expected_version"], "classes": ["hidden"]}),
        ]

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else [*LIFECYCLE, "chain_display", "timeline_display"]

    @admin.display(description=gettext_lazy("verify chain"))
    def chain_display(self, action):
        return self.chain_for(action)

    @admin.display(description=gettext_lazy("events (newest last)"))
    def timeline_display(self, action):
        return self.timeline_table(selectors.action_events(action=action))

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in services.EDITABLE_FIELDS}
        if not change:
            created = services.action_create(
                incident_id=form.cleaned_data["incident"].pk, actor=request.user, **data
            )
            obj.pk = created.pk
            return
        changed = {name: data[name] for name in form.changed_data if name in data}
        services.action_update(
            action_id=obj.pk,
            actor=request.user,
            expected_version=form.cleaned_data.get("expected_version"),
            **changed,
        )

    def has_delete_permission(self, request, obj=None):
        return False  # cancelled, never deleted: the timeline keeps every action

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ProblemError as problem:  # e.g. someone else changed it meanwhile (412)
            self.message_user(request, problem.detail, messages.ERROR)
            return HttpResponseRedirect(request.path)
