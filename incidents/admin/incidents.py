"""IncidentAdmin: list, page, transitions and export, all through the incident services."""

from functools import cache

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from crisis_api.admin_display import titled
from crisis_api.errors import ProblemError
from crisis_api.events.services import SYSTEM_STREAM, event_append
from crisis_api.events.verification import verify_stream
from incidents import services
from incidents.admin import display
from incidents.admin.export import incidents_csv
from incidents.admin.forms import IncidentAdminForm, transition_form
from incidents.diagram import state_diagram_svg
from incidents.models import Channel, Incident, Status
from incidents.selectors import (
    any_channel_q,
    incident_timeline,
    incidents_visible_to,
    overdue_q,
)
from incidents.state import (
    TRANSITIONS,
    TransitionNotAllowed,
    can_run,
    transition_permission,
    user_transitions,
)

EDITABLE = list(IncidentAdminForm.Meta.fields)
ADD_FIELDS = [
    "title",
    "summary",
    "category",
    "channels",
    "is_confidential",
    "owner",
    "participants",
]
LIFECYCLE = [
    "reference", "status_badge", "version", "created_by", "detected_at", "assessed_at",
    "response_due_display", "response_started_at", "first_response_at", "resolved_at",
    "reviewed_at", "resolution", "resolution_summary", "duplicate_of",
]  # fmt: skip


@cache
def _diagram() -> str:
    return state_diagram_svg()


class ChannelFilter(admin.SimpleListFilter):
    title = _("channel")
    parameter_name = "channel"

    def lookups(self, request, model_admin):
        return Channel.choices

    def queryset(self, request, queryset):
        return queryset.filter(any_channel_q([self.value()])) if self.value() else queryset


class OverdueFilter(admin.SimpleListFilter):
    title = _("response deadline")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("Overdue")), ("no", _("Not overdue"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(overdue_q())
        if self.value() == "no":
            return queryset.exclude(overdue_q())
        return queryset


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    """Incidents for managers: every write goes through incidents.services."""

    form = IncidentAdminForm
    list_display = (
        "reference", "title", "status_badge", "severity_badge", "owner",
        "response_due_display", "confidential_marker",
    )  # fmt: skip
    list_display_links = ("reference", "title")
    list_filter = (
        ("status", titled(admin.ChoicesFieldListFilter, _("status"))),
        ("severity", titled(admin.ChoicesFieldListFilter, _("severity"))),
        ("category", titled(admin.ChoicesFieldListFilter, _("category"))),
        ChannelFilter,
        ("owner", titled(admin.RelatedOnlyFieldListFilter, _("owner"))),
        OverdueFilter,
        ("is_confidential", titled(admin.BooleanFieldListFilter, _("confidentiality"))),
    )
    search_fields = ("reference", "title", "summary")
    ordering = ("-created_at", "-id")
    list_select_related = ("owner",)
    actions = ["export_csv"]
    filter_horizontal = ("participants",)
    change_form_template = "admin/incidents/incident/change_form.html"

    # --- list -----------------------------------------------------------------------------

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, incident):
        return display.status_badge(incident)

    @admin.display(description=_("severity"), ordering="severity")
    def severity_badge(self, incident):
        return display.severity_badge(incident)

    @admin.display(description=_("response due"), ordering="response_due_at")
    def response_due_display(self, incident):
        return display.deadline(incident)

    @admin.display(description=_("confidential"), boolean=True, ordering="is_confidential")
    def confidential_marker(self, incident):
        return incident.is_confidential

    @admin.action(description=_("Export the selected incidents as CSV"), permissions=["view"])
    def export_csv(self, request, queryset):
        incidents = queryset.select_related("owner").order_by("-created_at", "-id")
        event_append(
            stream=SYSTEM_STREAM,
            action="incidents.exported",
            actor=request.user,
            data={"count": len(incidents), "query": request.GET.urlencode()},
        )
        return incidents_csv(incidents)

    def get_queryset(self, request):
        return incidents_visible_to(request.user).select_related(
            "owner", "created_by", "duplicate_of", "review_record__reviewed_by"
        )

    # --- page -----------------------------------------------------------------------------

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [(None, {"fields": ADD_FIELDS})]
        return [
            ("Incident", {"fields": ["title", "summary", "category", "channels",
                                     "is_confidential"]}),
            ("Assessment", {"fields": ["severity", "scope", "estimated_reach", "affected_count",
                                       "impact", "rationale"]}),
            ("People", {"fields": ["owner", "participants"]}),
            ("Lifecycle (changes only through the transitions)", {"fields": LIFECYCLE}),
            ("Post-incident review", {"fields": ["review_display"]}),
            ("Timeline", {"fields": ["chain_display", "chain_head", "timeline_display"]}),
            (None, {"fields": ["expected_version"], "classes": ["hidden"]}),
        ]  # fmt: skip

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        readonly = [*LIFECYCLE, "review_display", "chain_display", "chain_head",
                    "timeline_display"]  # fmt: skip
        if obj.status == Status.DETECTED:
            readonly.append("severity")  # set by assessing
        return readonly

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["fields"] = admin.utils.flatten_fieldsets(self.get_fieldsets(request, obj))
        kwargs["fields"] = [f for f in kwargs["fields"]
                            if f not in self.get_readonly_fields(request, obj)]  # fmt: skip
        return super().get_form(request, obj, change=change, **kwargs)

    @admin.display(description=_("review"))
    def review_display(self, incident):
        review = getattr(incident, "review_record", None)
        if review is None:
            return "—"
        items = format_html_join("", "<li>{}</li>", ((a,) for a in review.follow_up_actions))
        actions = format_html("<ul>{}</ul>", items)
        return format_html(
            "<dl><dt>Summary</dt><dd>{}</dd><dt>Root cause</dt><dd>{}</dd><dt>What went well"
            "</dt><dd>{}</dd><dt>What went wrong</dt><dd>{}</dd><dt>Lessons learned</dt><dd>{}"
            "</dd><dt>Follow-up actions</dt><dd>{}</dd><dt>Reviewed by</dt><dd>{}</dd></dl>",
            review.summary, review.root_cause, review.what_went_well, review.what_went_wrong,
            review.lessons_learned, actions, review.reviewed_by.username,
        )  # fmt: skip

    @admin.display(description=_("verify chain"))
    def chain_display(self, incident):
        return display.chain_verdict(verify_stream(incident.stream))

    @admin.display(description=_("last hash"))
    def chain_head(self, incident):
        last = incident_timeline(incident=incident).last()
        return format_html("<code>{}</code>", last.hash) if last else "—"

    @admin.display(description=_("events (newest last)"))
    def timeline_display(self, incident):
        return display.timeline_table(incident_timeline(incident=incident))

    # --- writes: through the services --------------------------------------------------------

    def save_model(self, request, obj, form, change):
        if not change:
            data = {name: form.cleaned_data[name] for name in ADD_FIELDS}
            created = services.incident_create(actor=request.user, **data)
            obj.pk, obj.reference = created.pk, created.reference
            return
        changed = {name: form.cleaned_data[name] for name in form.changed_data if name in EDITABLE}
        services.incident_update(
            incident_id=obj.pk,
            actor=request.user,
            expected_version=form.cleaned_data.get("expected_version"),
            **changed,
        )

    def save_related(self, request, form, formsets, change):
        pass  # participants were saved by the service, with their event

    def has_delete_permission(self, request, obj=None):
        return False  # incidents are closed by transitions, never deleted

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ProblemError as problem:  # e.g. someone else changed it meanwhile (412)
            self.message_user(request, problem.detail, messages.ERROR)
            return HttpResponseRedirect(request.path)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        incident = self.get_object(request, object_id)
        extra = {}
        if incident is not None:
            extra = {
                "transitions": user_transitions(incident, request.user),
                "state_diagram": mark_safe(_diagram()),  # generated by our own code
                "current_state": incident.status,
            }
        return super().change_view(request, object_id, form_url, {**extra, **(extra_context or {})})

    # --- transitions ---------------------------------------------------------------------------

    def get_urls(self):
        transition = self.admin_site.admin_view(self.transition_view)
        return [
            path("<path:object_id>/transition/<str:name>/", transition,
                 name="incidents_incident_transition"),
            *super().get_urls(),
        ]  # fmt: skip

    def transition_view(self, request, object_id, name):
        """GET: the transition's form. POST: run it through its service, like the API."""
        incident = self.get_object(request, object_id)
        if incident is None or name not in TRANSITIONS:
            raise Http404
        if not request.user.has_perm(transition_permission(name)):
            raise PermissionDenied
        page = reverse("admin:incidents_incident_change", args=[incident.pk])
        if request.method != "POST" and not can_run(incident, name):
            self.message_user(request, TransitionNotAllowed(name, incident).detail, messages.ERROR)
            return HttpResponseRedirect(page)
        form = transition_form(name, request.POST or None, incident=incident, user=request.user)
        if request.method == "POST" and form.is_valid():
            data = dict(form.cleaned_data)
            version = data.pop("version")
            service = services.TRANSITION_SERVICES[name]
            try:
                service(
                    incident_id=incident.pk, actor=request.user, expected_version=version, **data
                )
            except ProblemError as problem:
                self.message_user(request, problem.detail, messages.ERROR)
            else:
                self.message_user(request, f"{incident.reference}: {name} done.", messages.SUCCESS)
            return HttpResponseRedirect(page)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": incident,
            "title": f"{name.capitalize()} {incident.reference}",
            "name": name,
            "form": form,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/incidents/incident/transition.html", context)
