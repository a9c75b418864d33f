"""Rate limits per API token and per anonymous address, counted atomically in a shared cache.

Fixed windows: a counter per (scope, caller, window) is created with `cache.add` and counted
with `cache.incr`, both atomic in Redis, so any number of processes share one count (DRF's
stock throttles read and rewrite a list of timestamps, which loses requests between two
processes). A caller may send up to twice its rate across a window boundary; the answer to
one over the limit is 429 with `Retry-After`, the seconds until its window ends.
"""

import ipaddress
import math
import time

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.core.exceptions import ImproperlyConfigured
from rest_framework.exceptions import Throttled
from rest_framework.permissions import BasePermission
from rest_framework.throttling import BaseThrottle

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """`"600/min"` → (600, 60): DRF's rate strings (the period's first letter counts)."""
    try:
        count, period = rate.split("/")
        return int(count), PERIODS[period.strip()[0].lower()]
    except (ValueError, KeyError, IndexError):
        raise ImproperlyConfigured(
            f"Bad throttle rate {rate!r}: write it as <number>/<s|min|hour|day>, e.g. 600/min."
        ) from None


def forwarded_address(request) -> str:
    """The client's address: REMOTE_ADDR, or X-Forwarded-For read only as far as NUM_PROXIES.

    Each trusted proxy appends the address it received the request from, so with n proxies
    the n-th address from the right is the one the first proxy saw; anything to its left was
    written by the client and is ignored. The throttles and the admin login's lockout both read
    the address here.
    """
    address = request.META.get("REMOTE_ADDR", "")
    proxies = settings.NUM_PROXIES
    if proxies:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [a for a in forwarded if a]
        if forwarded:
            address = forwarded[-min(proxies, len(forwarded))]
    return address


def client_address(request) -> str:
    """The address a throttle counts (forwarded_address); IPv6 clients by their /64 (one
    subscriber)."""
    address = forwarded_address(request)
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:64] or "unknown"
    if ip.version == 4:
        return str(ip)
    if ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    return str(ipaddress.ip_network(f"{ip}/64", strict=False))


class WindowCounter:
    """Counts requests of one caller in fixed windows of a rate's period."""

    timer = staticmethod(time.time)

    def __init__(self, scope: str, rate: str) -> None:
        self.scope = scope
        self.limit, self.period = parse_rate(rate)
        self.wait_seconds: float | None = None

    def hit(self, ident: str) -> bool:
        """Count one request; False when it is over the limit (then `wait_seconds` is set)."""
        now = self.timer()
        window = int(now // self.period)
        key = f"throttle:{self.scope}:{self.period}:{ident}:{window}"
        cache = caches[settings.THROTTLE_CACHE_ALIAS]
        if isinstance(cache, RedisCache):
            count = _redis_count(cache, key, timeout=self.period + 1)
        else:
            cache.add(key, 0, timeout=self.period + 1)
            try:
                count = cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.add(key, 1, timeout=self.period + 1)
                count = 1
        if count <= self.limit:
            return True
        self.wait_seconds = (window + 1) * self.period - now
        return False


def _redis_count(cache: RedisCache, key: str, *, timeout: int) -> int:
    """`cache.add(key, 0, timeout)` then `cache.incr(key)` in one round trip, atomically (MULTI:
    the key cannot expire between the two). Django's cache API takes three (SET NX, then EXISTS
    and INCR) and a new Redis client for each call."""
    client = getattr(cache, "_throttle_client", None)
    if client is None:
        client = cache._throttle_client = cache._cache.get_client(write=True)
    key = cache.make_and_validate_key(key)
    pipeline = client.pipeline(transaction=True)
    pipeline.set(key, 0, ex=timeout, nx=True)
    pipeline.incr(key)
    _created, count = pipeline.execute()
    return count


def _caller(request) -> str | None:
    """Per token for bearer callers, per user for sessions; None when anonymous."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    token_pk = getattr(request.auth, "pk", None)
    return f"token:{token_pk}" if token_pk is not None else f"user:{user.pk}"


class CallerRateThrottle(BaseThrottle):
    """THROTTLE_USER_RATE per token (or session user); THROTTLE_ANON_RATE per address."""

    def allow_request(self, request, view):
        caller = _caller(request)
        if caller is None:
            return _anonymous_allowed(self, request)
        self.counter = WindowCounter("user", settings.THROTTLE_USER_RATE)
        return self.counter.hit(caller)

    def wait(self):
        return getattr(getattr(self, "counter", None), "wait_seconds", None)


class SignalsRateThrottle(CallerRateThrottle):
    """THROTTLE_SIGNALS_RATE per token, for signal batches (their own budget)."""

    def allow_request(self, request, view):
        caller = _caller(request)
        if caller is None:
            return _anonymous_allowed(self, request)
        self.counter = WindowCounter("signals", settings.THROTTLE_SIGNALS_RATE)
        return self.counter.hit(caller)


def _anonymous_allowed(throttle, request) -> bool:
    """The per-address count, once per request (the permission below may have done it)."""
    if getattr(request, "_anonymous_throttle_counted", False):
        return True
    request._anonymous_throttle_counted = True
    throttle.counter = WindowCounter("anon", settings.THROTTLE_ANON_RATE)
    return throttle.counter.hit(client_address(request))


class AnonymousRateLimit(BasePermission):
    """Counts anonymous requests per address before authentication is required.

    DRF checks throttles after permissions, so without this a flood of anonymous requests
    would only ever get 401. First in DEFAULT_PERMISSION_CLASSES.
    """

    def has_permission(self, request, view):
        if _caller(request) is not None:
            return True
        throttle = BaseThrottle()
        if not _anonymous_allowed(throttle, request):
            raise Throttled(wait=math.ceil(throttle.counter.wait_seconds))
        return True
