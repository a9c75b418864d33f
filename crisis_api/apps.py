"""App configuration for the shared platform."""

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CrisisApiConfig(AppConfig):
    """Registers the platform's models, checks, schema extensions and role sync."""

    name = "crisis_api"
    verbose_name = _("Platform")
    # What each role may do with the platform's own records (see crisis_api.auth.roles).
    role_permissions = {
        "monitor": ["crisis_api.feed_only"],
        "viewer": ["crisis_api.view_event"],
        "responder": ["crisis_api.view_event"],
        "manager": [
            "crisis_api.view_event",
            "crisis_api.view_apitoken",
            "crisis_api.add_apitoken",
            "crisis_api.change_apitoken",
            "crisis_api.view_auditcheckpoint",
        ],
    }

    def ready(self) -> None:
        from crisis_api import checks, limits_checks, schema  # noqa: F401  (checks, extensions)
        from crisis_api.auth import checks as token_checks  # noqa: F401
        from crisis_api.auth.roles import roles_sync_after_migrate

        post_migrate.connect(roles_sync_after_migrate, dispatch_uid="crisis_api.roles_sync")
