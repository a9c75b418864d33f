"""The admin site: managers only (and superusers), whatever `is_staff` says."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from crisis_api.admin_display import EMPTY
from crisis_api.auth.roles import user_role


class CrisisAdminSite(admin.AdminSite):
    """The managers' workspace."""

    site_header = _("Crisis API")
    site_title = _("Crisis API")
    index_title = _("Managers' workspace")
    # There is no public site: admin/base_site.html links the API docs instead of "View site".
    site_url = None
    empty_value_display = EMPTY
    # Three models do not need a sidebar on every page: at 1,280 px it took a quarter of the
    # width and pushed the incident and event tables past the edge. Home lists them all.
    enable_nav_sidebar = False

    def has_permission(self, request):
        user = request.user
        if not (user.is_active and user.is_staff):
            return False
        return user.is_superuser or user_role(user) == "manager"
