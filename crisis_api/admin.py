"""Admin for the event log and its checkpoints (read-only) and API tokens (issue, list, revoke)."""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.validators import MaxValueValidator
from django.db.models.fields.json import KT
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crisis_api.admin_display import EMPTY, ReadOnlyAdminMixin, titled
from crisis_api.auth.tokens import TokenAlreadyRevoked, api_token_issue, api_token_revoke
from crisis_api.events.services import SYSTEM_STREAM
from crisis_api.models import ApiToken, AuditCheckpoint, Event, TokenState


class StreamKindFilter(admin.SimpleListFilter):
    """The system stream, or the streams of one kind of resource (`incident:…`)."""

    title = gettext_lazy("stream")
    parameter_name = "stream_kind"

    def lookups(self, request, model_admin):
        return [(SYSTEM_STREAM, _("system")), ("incident", _("incidents"))]

    def queryset(self, request, queryset):
        if self.value() == SYSTEM_STREAM:
            return queryset.filter(stream=SYSTEM_STREAM)
        if self.value():
            return queryset.filter(stream__startswith=f"{self.value()}:")
        return queryset


@admin.register(Event)
class EventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The append-only event log: browsable, never editable."""

    list_display = ("at", "stream", "sequence", "actor", "action", "status_change")
    list_filter = (
        StreamKindFilter,
        ("action", titled(admin.AllValuesFieldListFilter, gettext_lazy("action"))),
        ("actor", titled(admin.RelatedOnlyFieldListFilter, gettext_lazy("actor"))),
        ("at", titled(admin.DateFieldListFilter, gettext_lazy("date"))),
    )
    search_fields = ("=stream", "action", "note")
    date_hierarchy = "at"
    list_select_related = ("actor",)
    ordering = ("-at", "-id")
    show_full_result_count = False

    @admin.display(description=gettext_lazy("status change"))
    def status_change(self, event):
        if not event.to_status:
            return EMPTY
        return f"{event.from_status or EMPTY} → {event.to_status}"


@admin.register(AuditCheckpoint)
class AuditCheckpointAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Signed checkpoints of the log (`audit_checkpoint`): read-only, each downloadable."""

    list_display = ("created_at", "streams", "events", "signature", "download")
    fields = ("created_at", "streams", "events", "signature", "download")
    readonly_fields = fields
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-id")
    show_full_result_count = False

    def get_queryset(self, request):
        # The signature, not the document (which names every stream): one query per page.
        return (
            super()
            .get_queryset(request)
            .defer("document")
            .annotate(signature_value=KT("document__signature"))
        )

    @admin.display(description=gettext_lazy("signature"))
    def signature(self, checkpoint):
        return checkpoint.signature_value

    @admin.display(description=gettext_lazy("download"))
    def download(self, checkpoint):
        url = reverse("auditcheckpoint-detail", kwargs={"pk": checkpoint.pk})
        return format_html(
            '<a href="{}?format=json" download>{}</a>', url, _("signed JSON (for verify_audit)")
        )


class ApiTokenIssueForm(forms.ModelForm):
    """Who the token is for, what it is for, and how long it lives (1..API_TOKEN_MAX_DAYS)."""

    days = forms.IntegerField(min_value=1)

    class Meta:
        model = ApiToken
        fields = ["user", "name"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = get_user_model().objects.filter(is_active=True)
        # Read the settings per form, not at import, so a changed maximum applies at once.
        days = self.fields["days"]
        days.max_value = settings.API_TOKEN_MAX_DAYS
        days.validators.append(MaxValueValidator(settings.API_TOKEN_MAX_DAYS))
        days.widget.attrs.update({"min": 1, "max": settings.API_TOKEN_MAX_DAYS})
        days.initial = settings.API_TOKEN_DEFAULT_DAYS
        days.help_text = _(
            "Lifetime in days, from 1 to %(max)s (API_TOKEN_MAX_DAYS): every token expires. "
            "Default %(default)s."
        ) % {"max": settings.API_TOKEN_MAX_DAYS, "default": settings.API_TOKEN_DEFAULT_DAYS}


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens by prefix; the secret is shown once, when issued, and never stored."""

    list_display = (
        "prefix", "user", "name", "created_at", "expires_at", "last_used_at", "state",
    )  # fmt: skip
    list_filter = ("revoked_at",)
    search_fields = ("user__username", "name", "prefix")
    list_select_related = ("user",)
    actions = ["revoke"]
    fields = (
        "user", "name", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at",
    )  # fmt: skip

    @admin.display(description=gettext_lazy("state"))
    def state(self, token):
        return TokenState(token.state).label

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = ApiTokenIssueForm
            kwargs["fields"] = ["user", "name", "days"]
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        return ["user", "name", "days"] if obj is None else self.fields

    def get_readonly_fields(self, request, obj=None):
        return self.fields if obj is not None else ()

    def has_delete_permission(self, request, obj=None):
        return False  # revoke instead: the system stream keeps the record

    def save_model(self, request, obj, form, change):
        token, secret = api_token_issue(
            user=form.cleaned_data["user"],
            actor=request.user,
            name=form.cleaned_data["name"],
            days=form.cleaned_data["days"],
        )
        obj.pk, obj.prefix = token.pk, token.prefix
        request._issued_secret = secret

    def response_add(self, request, obj, post_url_continue=None):
        # The secret is rendered into this one response: never stored, never in a cookie.
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "token": ApiToken.objects.select_related("user").get(pk=obj.pk),
            "secret": request._issued_secret,
            "title": _("API token issued"),
        }
        return TemplateResponse(request, "admin/crisis_api/apitoken/issued.html", context)

    @admin.action(description=gettext_lazy("Revoke the selected tokens"), permissions=["change"])
    def revoke(self, request, queryset):
        count = 0
        for token in queryset.filter(revoked_at__isnull=True):
            try:
                api_token_revoke(token=token, actor=request.user)
            except TokenAlreadyRevoked:
                continue  # revoked meanwhile by someone else, who recorded it
            count += 1
        self.message_user(
            request, _("Revoked %(count)s token(s).") % {"count": count}, messages.SUCCESS
        )
