"""The SSRF guard: webhook URLs may only reach public addresses.

Checked when an endpoint is registered and again at every connection (DNS answers change):
the host is resolved, every address checked, and the connection made to a checked address.
"""

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

SHARED = ipaddress.ip_network("100.64.0.0/10")


class UnsafeUrl(ValueError):
    """The URL may not be used for webhooks; the message says why."""


def address_refusal(address: str) -> str | None:
    """Why this address may not be reached (None when it may)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        # An IPv4 address inside an IPv6 one (mapped ::ffff:a.b.c.d, or 6to4 2002:…) is judged
        # as the IPv4 address it carries.
        ip = ip.ipv4_mapped or ip.sixtofour or ip
    if ip.is_loopback:
        return None if settings.WEBHOOKS_ALLOW_LOOPBACK else _("a loopback address")
    if ip.version == 4 and ip in SHARED:
        return _("a shared address (100.64.0.0/10)")
    checks = (
        (ip.is_private, _("a private address")),
        (ip.is_link_local, _("a link-local address")),
        (ip.is_multicast, _("a multicast address")),
        (ip.is_reserved or ip.is_unspecified, _("a reserved address")),
        (not ip.is_global, _("an address that is not public")),
    )
    return next((why for refused, why in checks if refused), None)


def split_url(url: str) -> tuple[str, str, int]:
    """The scheme, host and port of an http(s) URL, or UnsafeUrl."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise UnsafeUrl(_("The URL is not valid: %(error)s.") % {"error": error}) from None
    if parts.scheme not in ("http", "https"):
        raise UnsafeUrl(_("Only http and https URLs may receive webhooks."))
    if not parts.hostname:
        raise UnsafeUrl(_("The URL has no host; give one, e.g. https://hooks.example.com/crisis."))
    if parts.username is not None or parts.password is not None:
        raise UnsafeUrl(_("Put no user or password in the URL; the signature authenticates us."))
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80)


def resolve_checked(host: str, port: int) -> list[str]:
    """Every address of `host`, all checked; UnsafeUrl if any is refused or none is found."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise UnsafeUrl(
            _("The host %(host)s does not resolve; check its name.") % {"host": host}
        ) from None
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    for address in addresses:
        why = address_refusal(address)
        if why is not None:
            raise UnsafeUrl(
                _(
                    "The host %(host)s resolves to %(address)s, %(why)s: webhooks only go to "
                    "public addresses."
                )
                % {"host": host, "address": address, "why": why}
            )
    if not addresses:
        raise UnsafeUrl(_("The host %(host)s does not resolve; check its name.") % {"host": host})
    return addresses


def check_url(url: str) -> None:
    """Raise UnsafeUrl unless `url` is http(s) and its host resolves only to allowed addresses."""
    _scheme, host, port = split_url(url)
    resolve_checked(host, port)
