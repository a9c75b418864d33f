"""Communications and templates in the admin, and the "Communications" panel of the incident page.

Every write goes through incidents.communications.services (drafting, editing, approve /
publish / withdraw, templates), so the admin writes the API's events.
"""

from django import forms
from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator, capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crisis_api.admin_display import EMPTY, datetime_display, titled
from crisis_api.errors import ProblemError
from crisis_api.lifecycle.admin import TransitionAdminMixin, TransitionForm
from crisis_api.models import Event
from incidents.communications import placeholders, selectors, services
from incidents.communications.api.serializers import REASON_MAX_LENGTH
from incidents.communications.models import (
    BODY_MAX_LENGTH,
    URL_MAX_LENGTH,
    Communication,
    Status,
    Template,
)
from incidents.communications.state import communication_machine
from incidents.models import Status as IncidentStatus
from incidents.selectors import incidents_visible_to

# How the incident timeline names the communication events that are no transition.
EVENT_LABELS = {
    "communication.drafted": gettext_lazy("Communication drafted"),
    "communication.updated": gettext_lazy("Communication edited"),
    "communication.approved": gettext_lazy("Communication approved"),
    "communication.published": gettext_lazy("Communication published"),
    "communication.withdrawn": gettext_lazy("Communication withdrawn"),
}
STATUS_COLOURS = {
    Status.DRAFT: "#616161",
    Status.APPROVED: "#1565c0",
    Status.PUBLISHED: "#2e7d32",
    Status.WITHDRAWN: "#b71c1c",
}
PANEL_STYLE = """
form .aligned ul.crisis-tone, ul.crisis-tone { list-style: none; margin: 0; padding: 0;
  min-width: 18em; max-width: 40em; }
.crisis-tone li { margin: 0 0 4px; padding: 4px 8px; border-left: 4px solid #e65100;
  background: #fff3e0; color: #4e2600; }
.crisis-tone code { font-weight: bold; }
.crisis-tone q { background: #ffe082; }
.crisis-tone-ok { color: #2e7d32; }
.crisis-status { display: inline-block; padding: 2px 8px; border-radius: 10px; color: #fff;
  font-size: 0.85em; white-space: nowrap; }
#crisis-communications td { vertical-align: top; }
#crisis-communications td.crisis-body { min-width: 18em; max-width: 32em; white-space: normal; }
#crisis-communications .button { margin: 0 4px 4px 0; padding: 4px 8px; display: inline-block; }
"""


def status_badge(communication: Communication) -> str:
    return format_html(
        '<span class="crisis-status" data-status="{}" style="background:{}">{}</span>',
        communication.status,
        STATUS_COLOURS.get(communication.status, "#616161"),
        communication.get_status_display(),
    )


def tone_warnings_list(warnings: list[dict]) -> str:
    """The tone warnings, highlighted, each with its quote; a calm note when there are none."""
    if not warnings:
        return format_html('<span class="crisis-tone-ok">✔ {}</span>', _("No tone warning."))
    items = format_html_join(
        "",
        '<li data-code="{}"><code>{}</code> {}{}</li>',
        (
            (
                warning["code"],
                warning["code"],
                warning["message"],
                format_html(" <q>{}</q>", warning["excerpt"]) if warning["excerpt"] else "",
            )
            for warning in warnings
        ),
    )
    return format_html('<ul class="crisis-tone">{}</ul>', items)


def transition_url(communication: Communication, name: str) -> str:
    return reverse("admin:communications_communication_transition", args=[communication.pk, name])


def incident_panel(incident) -> str:
    """The incident page's "Communications" panel: each communication with its status, its
    tone warnings highlighted, and links to the transitions its status allows (the admin is
    the managers' workspace; each transition page checks the permission again)."""
    communications = list(selectors.incident_communications(incident=incident))
    add = ""
    if incident.status != IncidentStatus.REVIEWED:
        add = format_html(
            '<p><a class="button" id="crisis-draft" href="{}?incident={}">{}</a></p>',
            reverse("admin:communications_communication_add"),
            incident.pk,
            _("Draft a communication"),
        )
    if not communications:
        return format_html("<p>{}</p>{}", _("No communications yet."), add)
    rows = format_html_join(
        "",
        '<tr data-communication="{}"><td>{}</td><td>{}<br>{} · {}</td><td>{}</td>'
        '<td class="crisis-body">{}</td><td>{}</td><td>{}</td></tr>',
        (
            (
                communication.pk,
                datetime_display(communication.created_at),
                communication.get_channel_display(),
                communication.get_audience_display(),
                communication.language,
                status_badge(communication),
                Truncator(communication.body).chars(200),
                tone_warnings_list(communication.tone_warnings),
                _transition_links(communication),
            )
            for communication in communications
        ),
    )
    return format_html(
        '<style>{}</style><div class="crisis-scroll"><table id="crisis-communications">'
        "<thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>"
        "</thead><tbody>{}</tbody></table></div>{}",
        PANEL_STYLE,
        _("drafted"),
        _("channel, audience, language"),
        _("status"),
        _("text"),
        _("tone check"),
        _("actions"),
        rows,
        add,
    )


def _transition_links(communication: Communication) -> str:
    links = [
        (
            reverse("admin:communications_communication_change", args=[communication.pk]),
            "",
            _("open"),
        ),
        *(
            (transition_url(communication, name), name,
             capfirst(communication_machine.label(name)))
            for name in communication_machine.allowed(communication)
        ),
    ]  # fmt: skip
    return format_html_join("", '<a class="button" href="{}" data-transition="{}">{}</a>', links)


# --- Forms -------------------------------------------------------------------------------------


class CommunicationAddForm(forms.ModelForm):
    """Drafting in the admin: a body, or a template filled from the incident."""

    body = forms.CharField(
        label=gettext_lazy("body"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=BODY_MAX_LENGTH,
        required=False,
        help_text=gettext_lazy("Or leave it empty and pick a template."),
    )
    language = forms.ChoiceField(
        label=gettext_lazy("language"),
        choices=[("", "---------"), *Communication._meta.get_field("language").choices],
        required=False,
        help_text=gettext_lazy("Required with a body; a template brings its own."),
    )

    class Meta:
        model = Communication
        fields = ["incident", "channel", "audience", "language", "body", "template"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        open_incidents = incidents_visible_to(user).exclude(status=IncidentStatus.REVIEWED)
        self.fields["incident"].queryset = open_incidents.order_by("-created_at")

    def clean(self):
        data = super().clean()
        if bool(data.get("body")) == bool(data.get("template")):
            raise forms.ValidationError(_("Give either a body or a template, not both."))
        if data.get("body") and not data.get("language"):
            self.add_error("language", _("Give the language (fr or en) of the body."))
        return data


class CommunicationChangeForm(forms.ModelForm):
    """Editing a draft (through communication_update)."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Communication
        fields = ["channel", "audience", "language", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 8})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and "expected_version" in self.fields:
            self.fields["expected_version"].initial = self.instance.version


class PublishForm(TransitionForm):
    url = forms.URLField(
        label=gettext_lazy("published at URL"),
        max_length=URL_MAX_LENGTH,
        required=False,
        assume_scheme="https",
        help_text=gettext_lazy("Where it was posted, if it has an address."),
    )


class WithdrawForm(TransitionForm):
    reason = forms.CharField(
        label=gettext_lazy("reason for withdrawal"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=REASON_MAX_LENGTH,
    )


class TemplateAdminForm(forms.ModelForm):
    """A template: only documented placeholders in its body."""

    class Meta:
        model = Template
        fields = ["name", "language", "channel", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 8})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].help_text = _("Placeholders: %(names)s.") % {
            "names": placeholders.documented()
        }
        self.fields["body"].max_length = BODY_MAX_LENGTH

    def clean_body(self):
        body = self.cleaned_data["body"]
        unknown = placeholders.unknown_placeholders(body)
        if unknown:
            raise forms.ValidationError(services.unknown_placeholders_message(unknown))
        return body


# --- Model admins ----------------------------------------------------------------------------


@admin.register(Communication)
class CommunicationAdmin(TransitionAdminMixin, admin.ModelAdmin):
    """Communications: drafted, edited and moved through the services only."""

    machine = communication_machine
    transition_forms = {"approve": TransitionForm, "publish": PublishForm,
                        "withdraw": WithdrawForm}  # fmt: skip
    transition_services = services.TRANSITION_SERVICES
    lifecycle_record_kwarg = "communication_id"
    timeline_action_labels = EVENT_LABELS
    list_display = ("incident_reference", "channel", "audience", "language", "status_display",
                    "warnings_count", "created_at")  # fmt: skip
    list_filter = (
        ("status", titled(admin.ChoicesFieldListFilter, gettext_lazy("status"))),
        ("channel", titled(admin.ChoicesFieldListFilter, gettext_lazy("channel"))),
        ("language", titled(admin.ChoicesFieldListFilter, gettext_lazy("language"))),
    )
    search_fields = ("body", "incident__reference", "incident__title")
    ordering = ("-created_at", "-id")
    readonly = (
        "incident_link", "status_display", "version", "tone_warnings_display", "template",
        "in_reply_to", "created_by", "created_at", "approved_by", "approved_at", "published_by",
        "published_at", "url_display", "withdrawn_at", "withdrawal_reason", "events_display",
    )  # fmt: skip

    class Media:
        css = {"all": ["monitoring/signals.css"]}

    # --- list ------------------------------------------------------------------------------

    @admin.display(description=gettext_lazy("incident"), ordering="incident__reference")
    def incident_reference(self, communication):
        return communication.incident.reference

    @admin.display(description=gettext_lazy("status"), ordering="status")
    def status_display(self, communication):
        return status_badge(communication)

    @admin.display(description=gettext_lazy("tone warnings"))
    def warnings_count(self, communication):
        count = len(communication.tone_warnings)
        if not count:
            return "✔"
        return format_html('<strong style="color:#e65100">⚠ {}</strong>', count)

    def get_queryset(self, request):
        return selectors.communications_visible_to(request.user)

    # --- page ------------------------------------------------------------------------------

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            form = CommunicationAddForm

            class AddForm(form):
                def __init__(self, *args, **inner):
                    super().__init__(*args, user=request.user, **inner)

            kwargs["form"] = AddForm
            kwargs["fields"] = CommunicationAddForm.Meta.fields
        else:
            kwargs["form"] = CommunicationChangeForm
            kwargs["fields"] = [
                *(f for f in CommunicationChangeForm.Meta.fields if obj.status == Status.DRAFT),
                "expected_version",
            ]
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [(None, {"fields": CommunicationAddForm.Meta.fields})]
        text = ["channel", "audience", "language", "body", "tone_warnings_display"]
        return [
            (gettext_lazy("Text"), {"fields": text}),
            (gettext_lazy("Lifecycle (changes only through the transitions)"),
             {"fields": [f for f in self.readonly if f not in text and f != "events_display"]}),
            (gettext_lazy("Events"), {"fields": ["events_display"]}),
            (None, {"fields": ["expected_version"], "classes": ["hidden"]}),
        ]  # fmt: skip

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        if obj.status == Status.DRAFT:
            return self.readonly
        return (*self.readonly, *CommunicationChangeForm.Meta.fields)

    def get_changeform_initial_data(self, request):
        return {"incident": request.GET.get("incident")} if request.GET.get("incident") else {}

    @admin.display(description=gettext_lazy("incident"))
    def incident_link(self, communication):
        incident = communication.incident
        return format_html(
            '<a href="{}">{} · {}</a>',
            reverse("admin:incidents_incident_change", args=[incident.pk]),
            incident.reference,
            incident.title,
        )

    @admin.display(description=gettext_lazy("tone check"))
    def tone_warnings_display(self, communication):
        return format_html(
            "<style>{}</style>{}", PANEL_STYLE, tone_warnings_list(communication.tone_warnings)
        )

    @admin.display(description=gettext_lazy("published at URL"))
    def url_display(self, communication):
        if not communication.url:
            return EMPTY
        return format_html(
            '<a href="{}" target="_blank" rel="noopener noreferrer nofollow">{}</a>',
            communication.url,
            communication.url,
        )

    @admin.display(description=gettext_lazy("events (newest last)"))
    def events_display(self, communication):
        events = Event.objects.filter(
            stream=communication.stream, data__communication=str(communication.pk)
        ).select_related("actor")
        return self.timeline_table(events)

    def transition_aside(self, communication, name):
        """The text and its tone warnings beside the approve and publish forms."""
        if name == "withdraw":
            return ""
        return format_html(
            "<style>{}</style><h3>{}</h3><blockquote>{}</blockquote>{}",
            PANEL_STYLE,
            _("The text"),
            communication.body,
            tone_warnings_list(communication.tone_warnings),
        )

    # --- writes: through the services --------------------------------------------------------

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if not change:
            created = services.communication_draft(
                incident_id=data["incident"].pk,
                actor=request.user,
                channel=data["channel"],
                audience=data["audience"],
                language=data.get("language") or None,
                body=data.get("body") or None,
                template=data.get("template"),
            )
            obj.pk = created.pk
            return
        changed = {n: data[n] for n in form.changed_data if n in services.EDITABLE_FIELDS}
        services.communication_update(
            communication_id=obj.pk,
            actor=request.user,
            expected_version=data.get("expected_version"),
            **changed,
        )

    def has_delete_permission(self, request, obj=None):
        return False  # withdrawn, never deleted: the timeline keeps what was said

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ProblemError as problem:  # a closed incident (409), a stale version (412)…
            self.message_user(request, problem.detail, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


@admin.register(Template)
class TemplateAdmin(admin.ModelAdmin):
    """Holding statements (managers), saved and deleted through the services."""

    form = TemplateAdminForm
    list_display = ("name", "language", "channel", "updated_at")
    list_filter = (
        ("language", titled(admin.ChoicesFieldListFilter, gettext_lazy("language"))),
        ("channel", titled(admin.ChoicesFieldListFilter, gettext_lazy("channel"))),
    )
    search_fields = ("name", "body")
    ordering = ("name", "language")

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in ("name", "language", "channel", "body")}
        if change:
            services.template_update(template_id=obj.pk, actor=request.user, **data)
        else:
            obj.pk = services.template_create(actor=request.user, **data).pk

    def delete_model(self, request, obj):
        services.template_delete(template_id=obj.pk, actor=request.user)

    def delete_queryset(self, request, queryset):
        for template in queryset:
            services.template_delete(template_id=template.pk, actor=request.user)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ProblemError as problem:  # e.g. the same name saved meanwhile
            self.message_user(request, problem.detail, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())
