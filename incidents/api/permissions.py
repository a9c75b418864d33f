"""Who may do what through the incident API (roles grant these permissions)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions


class IncidentPermission(permissions.BasePermission):
    """Reading needs `view_incident`; creating `add_incident`; changing `change_incident`.

    Object checks run after the incident is found, so an incident the caller cannot see is
    a 404 before it is a 403. Transitions check their own permission in the view.
    """

    message = _("Your role does not allow this; ask a manager for the responder or manager role.")

    def has_permission(self, request, view):
        user = request.user
        if not user.has_perm("incidents.view_incident"):
            self.message = _("Your account has no role; ask a manager to give you one.")
            return False
        if view.action == "create":
            return user.has_perm("incidents.add_incident")
        return True

    def has_object_permission(self, request, view, obj):
        if view.action in ("partial_update", "notes"):
            return request.user.has_perm("incidents.change_incident")
        return True
