"""Who may do what with actions through the API (roles grant these permissions)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions

ADD = "actions.add_action"
CHANGE = "actions.change_action"
VIEW = "actions.view_action"


class ActionPermission(permissions.BasePermission):
    """Reading needs `view_action`; changing `change_action` (creating `add_action`, checked by
    the view once the incident is found, so an incident the caller cannot see is a 404 first).
    Transitions check their own permission."""

    message = _("Your role does not allow this; ask a manager for the responder or manager role.")

    def has_permission(self, request, view):
        if not request.user.has_perm(VIEW):
            self.message = _("Your account has no role; ask a manager to give you one.")
            return False
        return True

    def has_object_permission(self, request, view, obj):
        if view.action == "partial_update":
            return request.user.has_perm(CHANGE)
        return True
