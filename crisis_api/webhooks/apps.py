"""App configuration for webhooks: signed deliveries of the event log, through an outbox."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    """Registers the outbox writer as a listener of the event log."""

    name = "crisis_api.webhooks"
    label = "webhooks"
    verbose_name = _("Webhooks")
    default_auto_field = "django.db.models.BigAutoField"
    role_permissions = {
        "manager": [
            "webhooks.view_endpoint",
            "webhooks.add_endpoint",
            "webhooks.change_endpoint",
            "webhooks.delete_endpoint",
            "webhooks.view_delivery",
            "webhooks.change_delivery",
        ],
    }

    def ready(self) -> None:
        from crisis_api.events.hooks import on_append
        from crisis_api.webhooks.outbox import deliveries_create_for

        on_append(deliveries_create_for)
