"""The admin site: managers only (and superusers), whatever `is_staff` says.

Besides the model pages, it serves the pages apps declare (crisis_api.admin_pages) and lists
them on the home page.
"""

from django.contrib import admin
from django.urls import path
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from crisis_api.admin_display import EMPTY
from crisis_api.admin_pages import admin_pages
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

    def get_urls(self):
        pages = [
            path(page.path, self.admin_view(import_string(page.view)), name=page.name)
            for page in admin_pages()
        ]
        return pages + super().get_urls()

    def index(self, request, extra_context=None):
        return super().index(request, {"crisis_pages": admin_pages(), **(extra_context or {})})
