"""App configuration for monitoring: signals from monitoring tools and what they suggest."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    """Signals, their grouping into incidents, the summary and the assessment suggestion."""

    name = "incidents.monitoring"
    label = "monitoring"
    verbose_name = _("Monitoring")
    # What each role may do with signals (the platform syncs the groups after migrate).
    role_permissions = {
        "monitor": ["monitoring.add_signal"],
        "viewer": ["monitoring.view_signal"],
        "responder": ["monitoring.view_signal", "monitoring.add_signal"],
        "manager": ["monitoring.view_signal", "monitoring.add_signal"],
    }
