"""The admin login's protection against password guessing (django-axes hooks).

Axes counts failed logins per pair of username and client address (settings: AXES_*); once
a pair reaches the limit, its logins are refused for the cool-off period, then allowed again.
"""

from django.conf import settings
from django.http import HttpResponse
from django.utils.translation import gettext as _
from rest_framework.settings import api_settings


def client_ip(request) -> str:
    """The client's address as the API's throttling reads it.

    Behind the proxies counted by REST_FRAMEWORK's NUM_PROXIES, the address is the one the
    outermost of them saw (X-Forwarded-For read from the right, that far and no further);
    without it, REMOTE_ADDR. Unlike DRF's default (NUM_PROXIES unset: the whole header), a
    client cannot choose its address by sending X-Forwarded-For itself.
    """
    remote_addr = request.META.get("REMOTE_ADDR", "")
    proxies = api_settings.NUM_PROXIES or 0
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies <= 0 or not forwarded:
        return remote_addr
    addresses = [a.strip() for a in forwarded.split(",") if a.strip()]
    if not addresses:
        return remote_addr
    return addresses[-min(proxies, len(addresses))]


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
