"""Who may manage webhooks through the API: managers (the permissions their role holds)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions

VIEW = "webhooks.view_endpoint"
WRITE = {
    "create": "webhooks.add_endpoint",
    "partial_update": "webhooks.change_endpoint",
    "rotate_secret": "webhooks.change_endpoint",
    "destroy": "webhooks.delete_endpoint",
    "redeliver": "webhooks.change_delivery",
}


class WebhookPermission(permissions.BasePermission):
    """Reading needs `view_endpoint`; each write its own permission (managers hold them all)."""

    message = _("Only managers may manage webhooks; ask a manager.")

    def has_permission(self, request, view):
        needed = WRITE.get(view.action, VIEW)
        return request.user.has_perm(VIEW) and request.user.has_perm(needed)
