"""App configuration for team metrics (no models: it reads the other areas' records)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from crisis_api.admin_pages import AdminPage


class MetricsConfig(AppConfig):
    """Team metrics over a period: the API endpoint and the managers' metrics page."""

    name = "incidents.metrics"
    label = "metrics"
    verbose_name = _("Team metrics")
    # The metrics page of the managers' workspace, at admin/metrics/ (the platform serves it).
    admin_pages = [
        AdminPage(
            path="metrics/",
            view="incidents.metrics.admin.metrics_view",
            name="metrics",
            label=_("Team metrics"),
            description=_(
                "How fast the team assesses, responds and resolves; deadlines met; incidents "
                "per week."
            ),
        )
    ]
