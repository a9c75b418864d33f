"""Permissions every API view checks before it looks anything up."""

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions

from crisis_api.throttling import AnonymousRateLimit

FEED_ONLY = "crisis_api.feed_only"


def is_feed_only(user) -> bool:
    """A monitoring tool's account (the monitor role): it feeds signals and nothing else."""
    return not user.is_superuser and user.has_perm(FEED_ONLY)


class FeedAccountScope(permissions.BasePermission):
    """A feed-only account may use only the actions a view lists in `feed_actions`.

    Checked before any lookup, so such an account learns nothing about which ids exist.
    """

    message = _(
        "This account feeds monitoring signals only: it may post signals "
        "(POST /api/v1/signals/), list its own tokens and revoke one, nothing else. Use a "
        "person's account for anything else."
    )

    def has_permission(self, request, view):
        user = request.user
        if not user or not user.is_authenticated or not is_feed_only(user):
            return True
        return getattr(view, "action", None) in getattr(view, "feed_actions", ())


# What every API view requires (views with their own permission classes start from this);
# the same list as DEFAULT_PERMISSION_CLASSES. AnonymousRateLimit first: an anonymous flood
# gets 429 instead of an endless stream of 401.
API_PERMISSIONS = [AnonymousRateLimit, permissions.IsAuthenticated, FeedAccountScope]
