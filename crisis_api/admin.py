"""Admin registration of the event log and API tokens, read-only."""

from django.contrib import admin

from crisis_api.models import ApiToken, Event


class ReadOnlyAdmin(admin.ModelAdmin):
    """Browsable, never editable."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    """The append-only event log."""

    list_display = ("stream", "sequence", "at", "actor", "action", "from_status", "to_status")
    list_filter = ("action",)
    search_fields = ("stream", "action", "note")


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    """Tokens by prefix; the secret is never stored."""

    list_display = ("prefix", "user", "name", "created_at", "expires_at", "revoked_at")
    exclude = ("digest",)
