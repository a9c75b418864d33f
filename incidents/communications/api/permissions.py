"""Who may do what with communications and templates (roles grant these permissions)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions

NO_ROLE = _("Your role does not allow this; ask a manager for the responder or manager role.")


class CommunicationPermission(permissions.BasePermission):
    """Reading needs `view_communication`; drafting `add_communication` (checked once the
    incident is found, so an incident the caller cannot see is a 404 first); editing
    `change_communication`. Transitions check their own permission in the view."""

    message = NO_ROLE

    def has_permission(self, request, view):
        return request.user.has_perm("communications.view_communication")

    def has_object_permission(self, request, view, obj):
        if view.action == "partial_update":
            return request.user.has_perm("communications.change_communication")
        return True


class DrafterPermission(permissions.BasePermission):
    """Whoever may draft a communication (the tone check)."""

    message = NO_ROLE

    def has_permission(self, request, view):
        return request.user.has_perm("communications.add_communication")


class TemplatePermission(permissions.BasePermission):
    """Listing and reading templates for whoever may draft; changing them for managers."""

    message = _("Your role does not allow this; templates are managed by managers.")
    needed = {
        "create": "communications.add_template",
        "partial_update": "communications.change_template",
        "destroy": "communications.delete_template",
    }

    def has_permission(self, request, view):
        user = request.user
        if not user.has_perm("communications.view_template"):
            self.message = NO_ROLE
            return False
        needed = self.needed.get(view.action)
        return needed is None or user.has_perm(needed)
