"""App configuration for team metrics (no models: it reads the other areas' records)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MetricsConfig(AppConfig):
    """Team metrics over a period: the API endpoint and the managers' metrics page."""

    name = "incidents.metrics"
    label = "metrics"
    verbose_name = _("Team metrics")
