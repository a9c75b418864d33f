"""IncidentAdmin: list, page, transitions and export, all through the incident services."""

from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from crisis_api.admin_display import EMPTY, titled
from crisis_api.errors import ProblemError
from crisis_api.lifecycle.admin import TransitionAdminMixin
from incidents import services
from incidents.actions import admin as actions_admin
from incidents.admin import display
from incidents.admin.export import incidents_csv
from incidents.admin.forms import TRANSITION_FORMS, IncidentAdminForm
from incidents.communications import admin as communications_admin
from incidents.deadlines.rules import (
    DEADLINES,
    RESOLUTION,
    RESPONSE,
    DeadlineState,
    next_due_order,
)
from incidents.models import Channel, Impact, Incident, Status
from incidents.monitoring import admin as monitoring_admin
from incidents.monitoring import selectors as monitoring
from incidents.reports.admin import ReportAdminMixin
from incidents.reviews.admin import metrics_panel
from incidents.selectors import any_channel_q, incident_timeline, incidents_visible_to, overdue_q
from incidents.state import incident_machine
from incidents.timeline import event_model

ADD_FIELDS = [
    "title",
    "summary",
    "category",
    "channels",
    "is_confidential",
    "owner",
    "participants",
]
SIGNAL_PANELS = ["signals_summary_display", "suggestion_display", "latest_signals_display"]
# List fields shown read-only (a closed incident): their labels, not their JSON.
LIST_DISPLAYS = {"channels": "channels_display", "impact": "impact_display"}
LIFECYCLE = [
    "reference", "status_badge", "version", "created_by", "detected_at", "assessed_at",
    "response_deadline_display", "resolution_deadline_display", "response_started_at",
    "first_response_at", "first_public_response_at", "resolved_at", "reviewed_at", "resolution",
    "resolution_summary", "duplicate_of",
]  # fmt: skip


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


class DeadlineFilter(admin.SimpleListFilter):
    """Incidents with either deadline at risk, or either breached (the clock now)."""

    title = _("deadlines")
    parameter_name = "deadline"
    states = (DeadlineState.AT_RISK, DeadlineState.BREACHED)

    def lookups(self, request, model_admin):
        return [(state.value, state.label) for state in self.states]

    def queryset(self, request, queryset):
        if self.value() not in self.states:
            return queryset
        now = timezone.now()
        either = [kind.state_q([self.value()], now) for kind in DEADLINES.values()]
        return queryset.filter(either[0] | either[1])


@admin.register(Incident)
class IncidentAdmin(ReportAdminMixin, TransitionAdminMixin, admin.ModelAdmin):
    """Incidents for managers: every write goes through incidents.services."""

    machine = incident_machine
    transition_forms = TRANSITION_FORMS
    transition_services = services.TRANSITION_SERVICES
    lifecycle_record_kwarg = "incident_id"
    immediate_transitions = ("respond",)
    timeline_value_choices = {"channels": Channel.choices, "impact": Impact.choices}
    timeline_action_labels = {
        "incident.created": _("Created"),
        "incident.updated": _("Updated"),
        "incident.note_added": _("Note"),
        "signals.attached": _("Signals attached"),
        **{kind.breach_event: kind.breached_label for kind in DEADLINES.values()},
        **communications_admin.EVENT_LABELS,
        **actions_admin.EVENT_LABELS,
    }
    form = IncidentAdminForm
    list_display = (
        "reference", "title", "status_badge", "severity_badge", "owner", "deadlines_display",
        "confidential_marker",
    )  # fmt: skip
    list_display_links = ("reference", "title")
    list_filter = (
        ("status", titled(admin.ChoicesFieldListFilter, _("status"))),
        ("severity", titled(admin.ChoicesFieldListFilter, _("severity"))),
        ("category", titled(admin.ChoicesFieldListFilter, _("category"))),
        ChannelFilter,
        ("owner", titled(admin.RelatedOnlyFieldListFilter, _("owner"))),
        OverdueFilter,
        DeadlineFilter,
        ("is_confidential", titled(admin.BooleanFieldListFilter, _("confidentiality"))),
    )
    search_fields = ("reference", "title", "summary")
    ordering = ("-created_at", "-id")
    list_select_related = ("owner",)
    actions = ["export_csv"]
    filter_horizontal = ("participants",)

    class Media:
        css = {"all": ["monitoring/signals.css"]}

    # --- list -----------------------------------------------------------------------------

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, incident):
        return display.status_badge(incident)

    @admin.display(description=_("severity"), ordering="severity")
    def severity_badge(self, incident):
        return display.severity_badge(incident)

    @admin.display(description=_("deadlines"), ordering=next_due_order().asc())
    def deadlines_display(self, incident):
        return display.deadline_badges(incident)

    @admin.display(description=_("response deadline"))
    def response_deadline_display(self, incident):
        return display.deadline_with_due(RESPONSE, incident)

    @admin.display(description=_("resolution deadline"))
    def resolution_deadline_display(self, incident):
        return display.deadline_with_due(RESOLUTION, incident)

    @admin.display(description=_("confidential"), boolean=True, ordering="is_confidential")
    def confidential_marker(self, incident):
        return incident.is_confidential

    @admin.action(description=_("Export the selected incidents as CSV"), permissions=["view"])
    def export_csv(self, request, queryset):
        incidents = queryset.select_related("owner").order_by("-created_at", "-id")
        services.incidents_export_record(
            actor=request.user, count=len(incidents), query=request.GET.urlencode()
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
        if obj.status == Status.REVIEWED:  # read-only lists: labels, not their JSON
            return [
                (title, {**options, "fields": [LIST_DISPLAYS.get(f, f) for f in options["fields"]]})
                for title, options in self._change_fieldsets()
            ]
        return self._change_fieldsets()

    def _change_fieldsets(self):
        return [
            (_("Incident"), {"fields": ["title", "summary", "category", "channels",
                                        "is_confidential"]}),
            (_("Assessment"), {"fields": ["severity", "scope", "estimated_reach",
                                          "affected_count", "impact", "rationale"]}),
            (_("People"), {"fields": ["owner", "participants"]}),
            (_("Lifecycle (changes only through the transitions)"), {"fields": LIFECYCLE}),
            (_("Signals from monitoring"), {"fields": ["signals_summary_display",
                                                       "suggestion_display",
                                                       "latest_signals_display"]}),
            (_("Communications"), {"fields": ["communications_display"]}),
            (_("Actions"), {"fields": ["actions_display"]}),
            (_("Post-incident review"), {"fields": ["review_display", "review_metrics_display"]}),
            (_("Timeline"), {"fields": ["chain_display", "chain_head", "timeline_display"]}),
            (None, {"fields": ["expected_version"], "classes": ["hidden"]}),
        ]  # fmt: skip

    @admin.display(description=_("channels"))
    def channels_display(self, incident):
        return self._value_label("channels", incident.channels)

    @admin.display(description=_("impact"))
    def impact_display(self, incident):
        return self._value_label("impact", incident.impact)

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        readonly = [*LIFECYCLE, *SIGNAL_PANELS, "review_display", "review_metrics_display",
                    "chain_display", "chain_head", "timeline_display",
                    "communications_display", "actions_display"]  # fmt: skip
        if obj.status == Status.DETECTED:
            readonly.append("severity")  # set by assessing
        if obj.status == Status.REVIEWED:  # closed: only who may see it can change
            readonly += [LIST_DISPLAYS.get(f, f) for f in services.EDITABLE_FIELDS
                         if f not in services.EDITABLE_WHEN_REVIEWED]  # fmt: skip
        return readonly

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["fields"] = admin.utils.flatten_fieldsets(self.get_fieldsets(request, obj))
        kwargs["fields"] = [f for f in kwargs["fields"]
                            if f not in self.get_readonly_fields(request, obj)]  # fmt: skip
        return super().get_form(request, obj, change=change, **kwargs)

    @admin.display(description=_("communications"))
    def communications_display(self, incident):
        return communications_admin.incident_panel(incident)

    @admin.display(description=_("actions"))
    def actions_display(self, incident):
        return actions_admin.actions_panel(incident)

    @admin.display(description=_("review"))
    def review_display(self, incident):
        review = getattr(incident, "review_record", None)
        if review is None:
            return EMPTY
        items = format_html_join("", "<li>{}</li>", ((a,) for a in review.follow_up_actions))
        values = {
            "summary": review.summary,
            "root_cause": review.root_cause,
            "what_went_well": review.what_went_well,
            "what_went_wrong": review.what_went_wrong,
            "lessons_learned": review.lessons_learned,
            "follow_up_actions": format_html("<ul>{}</ul>", items),
            "reviewed_by": review.reviewed_by.username,
        }
        meta = type(review)._meta
        rows = format_html_join(
            "",
            "<dt>{}</dt><dd>{}</dd>",
            (
                (capfirst(meta.get_field(name).verbose_name), value)
                for name, value in values.items()
            ),
        )
        return format_html("<dl>{}</dl>", rows)

    @admin.display(description=_("metrics at the review"))
    def review_metrics_display(self, incident):
        return metrics_panel(getattr(incident, "review_record", None))

    # --- signals from monitoring -----------------------------------------------------------

    def _signals(self, incident):
        """The summary and the suggestion, computed once per page."""
        if not hasattr(incident, "_signals_read"):
            summary = monitoring.signals_summary(incident=incident)
            suggestion = monitoring.assessment_suggestion(incident=incident, summary=summary)
            incident._signals_read = (summary, suggestion)
        return incident._signals_read

    @admin.display(description=_("summary"))
    def signals_summary_display(self, incident):
        return monitoring_admin.summary_panel(self._signals(incident)[0])

    @admin.display(description=_("assessment suggestion"))
    def suggestion_display(self, incident):
        summary, suggestion = self._signals(incident)
        return monitoring_admin.suggestion_panel(suggestion) if summary.count else EMPTY

    @admin.display(description=_("latest signals"))
    def latest_signals_display(self, incident):
        latest = monitoring.incident_signals(incident=incident)[: monitoring_admin.LATEST]
        return monitoring_admin.latest_signals_panel(list(latest))

    def transition_initial(self, incident, name):
        """The assess form starts from what the signals suggest (a person still decides)."""
        if name != "assess":
            return {}
        summary, suggestion = self._signals(incident)
        if not summary.count:
            return {"severity": suggestion.severity} if suggestion.severity else {}
        return {
            "severity": suggestion.severity,
            "scope": suggestion.scope,
            "estimated_reach": summary.reach or None,
            "rationale": "\n".join(reason.message for reason in suggestion.reasons),
        }

    def transition_aside(self, incident, name):
        if name != "assess":
            return ""
        return monitoring_admin.suggestion_panel(self._signals(incident)[1])

    @admin.display(description=_("verify chain"))
    def chain_display(self, incident):
        return self.chain_for(incident)

    @admin.display(description=_("last hash"))
    def chain_head(self, incident):
        last = incident_timeline(incident=incident).last()
        return format_html("<code>{}</code>", last.hash) if last else EMPTY

    def timeline_model(self, event):
        return event_model(event.action)

    @admin.display(description=_("events (newest last)"))
    def timeline_display(self, incident):
        return self.timeline_table(incident_timeline(incident=incident))

    # --- writes: through the services --------------------------------------------------------

    def save_model(self, request, obj, form, change):
        if not change:
            data = {name: form.cleaned_data[name] for name in ADD_FIELDS}
            created = services.incident_create(actor=request.user, **data)
            obj.pk, obj.reference = created.pk, created.reference
            return
        changed = {
            name: form.cleaned_data[name]
            for name in form.changed_data
            if name in services.EDITABLE_FIELDS
        }
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
