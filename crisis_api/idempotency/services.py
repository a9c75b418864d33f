"""Claiming, completing, releasing and purging idempotency keys (the only writes to them)."""

import hashlib
import re
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.http import HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _

from crisis_api.errors import ProblemError
from crisis_api.models import IdempotencyKey

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
# Printable ASCII, 1 to 255 characters (the draft leaves the syntax to the server).
VALID_KEY = re.compile(r"^[\x20-\x7e]{1,255}$")
# The headers of the first answer that a replay repeats; the others are the replay's own.
KEPT_HEADERS = ("Content-Type", "Content-Language", "Location", "ETag", "Last-Modified")
# Answers that say the request did not run because of who sent it or when: the key is
# released, so the same request with good credentials, or later, runs.
RELEASED_STATUSES = frozenset({401, 403, 408, 429})


class KeyInvalid(ProblemError):
    """An `Idempotency-Key` header that is empty, too long or not printable ASCII."""

    status_code = 400
    code = "invalid_idempotency_key"

    def __init__(self) -> None:
        super().__init__(
            _(
                "The Idempotency-Key header must be 1 to 255 printable ASCII characters; "
                "send a random UUID, for example."
            )
        )


class KeyInUse(ProblemError):
    """The first request with this key is still running."""

    status_code = 409
    code = "idempotency_key_in_use"

    def __init__(self) -> None:
        super().__init__(
            _(
                "A request with this Idempotency-Key is still being processed; wait a moment "
                "and retry the same request to get its answer."
            )
        )


class KeyReused(ProblemError):
    """The key was first used for a different request."""

    status_code = 422
    code = "idempotency_key_reused"

    def __init__(self) -> None:
        super().__init__(
            _(
                "This Idempotency-Key was already used for a different request (another "
                "method, path or body); use a new key for a new request."
            )
        )


def request_fingerprint(*, method: str, path: str, body: bytes) -> str:
    """SHA-256 over the method, the full path (with its query) and the body."""
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


@dataclass(frozen=True)
class Claim:
    """The outcome of `idempotency_claim`: a claimed key to run, or a stored answer."""

    row: IdempotencyKey
    replay: bool


def _lifetime() -> timedelta:
    return timedelta(hours=settings.IDEMPOTENCY_KEY_HOURS)


def idempotency_claim(*, scope: str, key: str, fingerprint: str, now: datetime) -> Claim:
    """Claim `key` for `scope` with one INSERT that the unique constraint arbitrates.

    Raises KeyReused (another request had the key) or KeyInUse (the first one still runs).
    An expired row, or a claim older than IDEMPOTENCY_LOCK_SECONDS that never completed (its
    process died), is deleted by its primary key and the insert tried again: of two callers
    doing this at once, one insert wins.
    """
    for _attempt in range(3):
        try:
            # A savepoint only inside a transaction (a failed insert would break it); the
            # middleware runs in autocommit, where the insert alone is one round trip, not three.
            with transaction.atomic() if connection.in_atomic_block else nullcontext():
                row = IdempotencyKey.objects.create(
                    scope=scope,
                    key=key,
                    fingerprint=fingerprint,
                    created_at=now,
                    expires_at=now + _lifetime(),
                )
            return Claim(row=row, replay=False)
        except IntegrityError:
            pass
        existing = IdempotencyKey.objects.filter(scope=scope, key=key).first()
        if existing is None:
            continue  # released meanwhile: claim it again
        abandoned = not existing.completed and existing.created_at <= now - timedelta(
            seconds=settings.IDEMPOTENCY_LOCK_SECONDS
        )
        if existing.expires_at <= now or abandoned:
            IdempotencyKey.objects.filter(pk=existing.pk).delete()
            continue
        if existing.fingerprint != fingerprint:
            raise KeyReused()
        if not existing.completed:
            raise KeyInUse()
        return Claim(row=existing, replay=True)
    raise KeyInUse()


def idempotency_finish(*, row: IdempotencyKey, response: HttpResponse) -> None:
    """Store the first answer, or release the key when the answer must not be replayed.

    Kept: every answer below 500 except RELEASED_STATUSES (a 400 or a 409 is the answer to
    that request: sending it again gives it again, as Stripe does). Released: 5xx, the
    RELEASED_STATUSES and streamed answers.
    """
    keep = (
        response.status_code < 500
        and response.status_code not in RELEASED_STATUSES
        and not response.streaming
    )
    if not keep:
        idempotency_release(row=row)
        return
    headers = {name: response[name] for name in KEPT_HEADERS if name in response}
    # LocaleMiddleware, outside this one, only labels the answer on its way out: the
    # language the answer was written in is the one active now.
    headers.setdefault("Content-Language", translation.get_language())
    IdempotencyKey.objects.filter(pk=row.pk).update(
        status_code=response.status_code, headers=headers, body=response.content
    )


def idempotency_release(*, row: IdempotencyKey) -> None:
    """Forget the claim: the next request with the key runs."""
    IdempotencyKey.objects.filter(pk=row.pk).delete()


def idempotency_replay(row: IdempotencyKey) -> HttpResponse:
    """The stored answer, marked as a replay."""
    response = HttpResponse(bytes(row.body or b""), status=row.status_code)
    for name, value in row.headers.items():
        response[name] = value
    response[REPLAYED_HEADER] = "true"
    return response


def idempotency_keys_purge(*, now: datetime) -> int:
    """Delete the keys whose replay period is over; how many went."""
    deleted, _counts = IdempotencyKey.objects.filter(expires_at__lte=now).delete()
    return deleted
