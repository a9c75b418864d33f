"""The admin login's protection against password guessing (django-axes hooks).

Axes counts failed logins per pair of username and client address (settings: AXES_*); once
a pair reaches the limit, its logins are refused for the cool-off period, then allowed again.
"""

from django.conf import settings
from django.http import HttpResponse
from django.utils.translation import gettext as _

from crisis_api.throttling import forwarded_address


def client_ip(request) -> str:
    """The client's address as the API's throttles read it (NUM_PROXIES): a client cannot
    choose its address by sending X-Forwarded-For itself."""
    return forwarded_address(request)


def locked_out(request, response=None, credentials=None, *args, **kwargs) -> HttpResponse:
    """429 for a login of a locked username from a locked address, saying when to retry."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    detail = _(
        "Too many failed logins for this username from your address: wait %(minutes)d minutes "
        "and try again, or ask an administrator to unlock it."
    ) % {"minutes": minutes}
    answer = HttpResponse(detail, status=429, content_type="text/plain; charset=utf-8")
    answer["Retry-After"] = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    return answer
