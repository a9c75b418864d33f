"""Sending one signed request to a receiver: checked address, no redirects, a timeout."""

import http.client
import json
import socket
import ssl
import time
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from crisis_api.webhooks.guard import UnsafeUrl, resolve_checked, split_url

USER_AGENT = "CrisisAPI-Webhooks/1"


@dataclass
class Answer:
    """What the receiver answered (status None when there was no answer)."""

    status_code: int | None
    duration_ms: int
    error: str = ""
    retry_after: str | None = None


def signature(secrets: list[str], msg_id: str, at: datetime, body: str) -> str:
    """The `webhook-signature` header: one v1 signature per valid secret."""
    return " ".join(Webhook(secret).sign(msg_id, at, body) for secret in secrets)


class _Connection(http.client.HTTPConnection):
    """Connects to the address already checked, not to whatever DNS answers now."""

    def __init__(self, host, port, address, timeout, tls):
        super().__init__(host, port, timeout=timeout)
        self._address, self._tls = address, tls

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)
        if self._tls:
            context = ssl.create_default_context()
            self.sock = context.wrap_socket(self.sock, server_hostname=self.host)


def send(*, url: str, msg_id: str, body: str, secrets: list[str]) -> Answer:
    """POST `body` to `url`, signed when sent; never follows a redirect."""
    started = time.monotonic()

    def elapsed() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        scheme, host, port = split_url(url)
        address = resolve_checked(host, port)[0]
    except UnsafeUrl as error:
        return Answer(None, elapsed(), str(error))
    at = timezone.now()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signature(secrets, msg_id, at, body),
    }
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    connection = _Connection(
        host, port, address, settings.WEBHOOKS_TIMEOUT_SECONDS, tls=scheme == "https"
    )
    try:
        connection.request("POST", path, body=body.encode(), headers=headers)
        response = connection.getresponse()
        response.read(64 * 1024)
        return Answer(response.status, elapsed(), "", response.getheader("Retry-After"))
    except (OSError, http.client.HTTPException) as error:
        return Answer(None, elapsed(), f"{type(error).__name__}: {error}"[:500])
    finally:
        connection.close()


def body_of(payload: dict) -> str:
    """The JSON body of a delivery (compact, stable)."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
