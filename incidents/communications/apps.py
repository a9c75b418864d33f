"""App configuration for communications: statements, their approval and holding templates."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

_VIEWER = ["communications.view_communication"]
_RESPONDER = [
    *_VIEWER,
    "communications.add_communication",
    "communications.change_communication",
    "communications.publish_communication",
    "communications.withdraw_communication",
    "communications.view_template",
]


class CommunicationsConfig(AppConfig):
    """Communications, their state machine, the tone check and templates."""

    name = "incidents.communications"
    label = "communications"
    verbose_name = _("Communications")
    # What each role may do with communications (the platform syncs the groups after migrate).
    role_permissions = {
        "viewer": _VIEWER,
        "responder": _RESPONDER,
        "manager": [
            *_RESPONDER,
            "communications.approve_communication",
            "communications.add_template",
            "communications.change_template",
            "communications.delete_template",
        ],
    }
