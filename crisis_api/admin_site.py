"""The admin site: managers only (and superusers), whatever `is_staff` says."""

from django.contrib import admin

from crisis_api.auth.roles import user_role


class CrisisAdminSite(admin.AdminSite):
    """The managers' workspace."""

    site_header = "Crisis API"
    site_title = "Crisis API"
    index_title = "Managers' workspace"

    def has_permission(self, request):
        user = request.user
        if not (user.is_active and user.is_staff):
            return False
        return user.is_superuser or user_role(user) == "manager"
