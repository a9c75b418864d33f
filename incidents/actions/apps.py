"""App configuration for actions: the solutions offered, tracked to done or cancelled."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

_VIEWER = ["actions.view_action"]
_RESPONDER = [
    *_VIEWER,
    "actions.add_action",
    "actions.change_action",
    "actions.complete_action",
    "actions.cancel_action",
    "actions.reopen_action",
]


class ActionsConfig(AppConfig):
    """Actions and their state machine."""

    name = "incidents.actions"
    label = "actions"
    verbose_name = _("Actions")
    # What each role may do with actions (the platform syncs the groups after migrate).
    role_permissions = {"viewer": _VIEWER, "responder": _RESPONDER, "manager": _RESPONDER}
