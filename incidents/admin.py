"""Admin registration, read-only where the lifecycle and the audit trail demand it.

The managers' workspace (transition buttons, timeline) is the next capability; until then
the admin shows incidents and events without letting anyone bypass the services.
"""

from django.contrib import admin

from incidents.models import Incident


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    """Incidents, read-only: changes go through the API's services and the event log."""

    list_display = ("reference", "title", "status", "severity", "owner", "response_due_at")
    list_filter = ("status", "severity", "category", "is_confidential")
    search_fields = ("reference", "title", "summary")
    ordering = ("-created_at",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
