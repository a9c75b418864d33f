"""The admin app configuration (kept apart: it is imported before models can be)."""

from django.contrib.admin.apps import AdminConfig


class CrisisAdminConfig(AdminConfig):
    """Installs crisis_api.admin_site.CrisisAdminSite as `admin.site`."""

    default_site = "crisis_api.admin_site.CrisisAdminSite"
