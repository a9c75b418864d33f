"""Webhook endpoints and deliveries in the admin (managers); writes go through the services."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from crisis_api.errors import ProblemError
from crisis_api.webhooks import services
from crisis_api.webhooks.models import Attempt, Delivery, Endpoint


@admin.register(Endpoint)
class EndpointAdmin(admin.ModelAdmin):
    """Endpoints: created and changed through the API's services (the SSRF guard included)."""

    list_display = ["url", "active", "allow_confidential", "description", "created_at"]
    list_filter = ["active", "allow_confidential"]
    readonly_fields = ["disabled_reason", "previous_secret_expires_at", "created_at"]
    fields = ["url", "event_types", "active", "description", "allow_confidential", *readonly_fields]

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in services.ENDPOINT_FIELDS}
        try:
            if change:
                services.endpoint_update(endpoint=obj, **data)
            else:
                created = services.endpoint_create(actor=request.user, **data)
                obj.pk = created.pk
                self.message_user(
                    request,
                    _("Signing secret (shown once, keep it): %(secret)s")
                    % {"secret": created.secret},
                    messages.WARNING,
                )
        except ProblemError as error:
            self.message_user(request, str(error), messages.ERROR)


class AttemptInline(admin.TabularInline):
    model = Attempt
    extra = 0
    can_delete = False
    readonly_fields = ["at", "status_code", "duration_ms", "error"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """Deliveries and their attempts, read only; a dead one may be sent again."""

    list_display = ["id", "endpoint", "stream", "sequence", "state", "attempts", "next_attempt_at"]
    list_filter = ["state"]
    inlines = [AttemptInline]
    actions = ["redeliver"]
    readonly_fields = [f.name for f in Delivery._meta.fields]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Send the selected dead deliveries again"))
    def redeliver(self, request, queryset):
        sent = 0
        for delivery in queryset.filter(state=Delivery.State.DEAD):
            services.delivery_redeliver(delivery=delivery)
            sent += 1
        self.message_user(
            request,
            ngettext("%(count)d delivery sent again.", "%(count)d deliveries sent again.", sent)
            % {"count": sent},
        )
