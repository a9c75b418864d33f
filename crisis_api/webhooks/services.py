"""Webhook writes: endpoints (register, change, rotate the secret) and sending deliveries.

A delivery is sent by whoever holds its lease; the lease is taken under a row lock, so two
workers (or a duplicate task) never send one delivery at the same time. Every attempt is
recorded; the next one is enqueued with `run_after` on the Standard Webhooks schedule.
"""

import base64
import json
import logging
import random
import secrets
import uuid
from datetime import timedelta
from email.utils import parsedate_to_datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import status

from crisis_api.errors import InvalidInput, ProblemError
from crisis_api.webhooks.guard import UnsafeUrl, check_url
from crisis_api.webhooks.models import Attempt, Delivery, Endpoint
from crisis_api.webhooks.sender import body_of, send
from crisis_api.webhooks.tasks import delivery_enqueue

logger = logging.getLogger("crisis_api.webhooks")

# Standard Webhooks: immediately, then these waits after each failure (10 attempts in all).
RETRY_DELAYS = [
    timedelta(seconds=5), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2),
    timedelta(hours=5), timedelta(hours=10), timedelta(hours=14), timedelta(hours=20),
    timedelta(hours=24),
]  # fmt: skip
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
JITTER = 0.1  # each wait is stretched by up to 10 %, so retries of many deliveries spread out
MAX_RETRY_AFTER = timedelta(hours=24)
# A lease outlives the request's timeout; past it, the sweeper hands the delivery to another.
LEASE = timedelta(seconds=60)
PREVIOUS_SECRET_LIFETIME = timedelta(hours=24)


class DeliveryNotDead(ProblemError):
    """Redelivering a delivery that is not dead."""

    status_code = status.HTTP_409_CONFLICT
    code = "delivery_not_dead"

    def __init__(self, delivery: Delivery) -> None:
        super().__init__(
            _(
                "This delivery is %(state)s; only a dead delivery may be sent again (a pending "
                "one is still being retried)."
            )
            % {"state": delivery.state},
            current_state=delivery.state,
        )


def new_secret() -> str:
    """A signing secret: `whsec_` and 32 random bytes in base64 (Standard Webhooks)."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def _checked_url(url: str) -> str:
    try:
        check_url(url)
    except UnsafeUrl as error:
        raise InvalidInput({"url": [str(error)]}) from None
    return url


def endpoint_create(
    *,
    actor,
    url: str,
    event_types: list[str],
    active: bool = True,
    description: str = "",
    allow_confidential: bool = False,
) -> Endpoint:
    """Register an endpoint (its URL checked against the SSRF guard) with a new secret."""
    return Endpoint.objects.create(
        url=_checked_url(url),
        event_types=event_types,
        active=active,
        description=description,
        allow_confidential=allow_confidential,
        secret=new_secret(),
        created_by=actor,
    )


ENDPOINT_FIELDS = ("url", "event_types", "active", "description", "allow_confidential")


@transaction.atomic
def endpoint_update(*, endpoint: Endpoint, **changes) -> Endpoint:
    """Change an endpoint; reactivating it sends what waited meanwhile."""
    unknown = set(changes) - set(ENDPOINT_FIELDS)
    if unknown:
        raise TypeError(f"endpoint_update does not change {', '.join(sorted(unknown))}.")
    endpoint = Endpoint.objects.select_for_update().get(pk=endpoint.pk)
    if "url" in changes and changes["url"] != endpoint.url:
        _checked_url(changes["url"])
    reactivated = changes.get("active") and not endpoint.active
    for name, value in changes.items():
        setattr(endpoint, name, value)
    if reactivated:
        endpoint.disabled_reason = ""
    endpoint.save()
    if reactivated:
        _enqueue_stream_heads(Delivery.objects.filter(endpoint=endpoint))
    return endpoint


@transaction.atomic
def endpoint_rotate_secret(*, endpoint: Endpoint) -> Endpoint:
    """A new secret; the previous one stays valid (deliveries signed with both) for 24 hours."""
    endpoint = Endpoint.objects.select_for_update().get(pk=endpoint.pk)
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_expires_at = timezone.now() + PREVIOUS_SECRET_LIFETIME
    endpoint.secret = new_secret()
    endpoint.save()
    return endpoint


def signing_secrets(endpoint: Endpoint, now) -> list[str]:
    """The secrets a request is signed with now: the current one, and the previous while valid."""
    valid = [endpoint.secret]
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret and expires is not None and expires > now:
        valid.append(endpoint.previous_secret)
    return valid


@transaction.atomic
def delivery_redeliver(*, delivery: Delivery) -> Delivery:
    """Send a dead delivery again, from the first attempt of the schedule."""
    delivery = Delivery.objects.select_for_update().get(pk=delivery.pk)
    if delivery.state != Delivery.State.DEAD:
        raise DeliveryNotDead(delivery)
    now = timezone.now()
    delivery.state = Delivery.State.PENDING
    delivery.attempts = 0
    delivery.next_attempt_at = now
    delivery.finished_at = None
    delivery.enqueued_at = now
    delivery.save()
    delivery_enqueue(delivery)
    return delivery


def _ahead(delivery: Delivery):
    """Pending deliveries of the same stream to the same endpoint that must leave first."""
    return Delivery.objects.filter(
        endpoint_id=delivery.endpoint_id,
        stream=delivery.stream,
        sequence__lt=delivery.sequence,
        state=Delivery.State.PENDING,
    )


def _claim(delivery_id: int, holder: str):
    """Take the lease of a delivery that is due, or None (not due, held, waiting, finished)."""
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("endpoint", "event")
            .filter(pk=delivery_id)
            .first()
        )
        now = timezone.now()
        if (
            delivery is None
            or delivery.state != Delivery.State.PENDING
            or delivery.next_attempt_at > now
            or (delivery.lease_until is not None and delivery.lease_until > now)
            or not delivery.endpoint.active
            or _ahead(delivery).exists()
        ):
            return None
        delivery.lease_holder, delivery.lease_until = holder, now + LEASE
        delivery.save(update_fields=["lease_holder", "lease_until"])
        return delivery


def retry_after_delay(value: str | None, now) -> timedelta | None:
    """The wait a `Retry-After` header asks for (seconds or an HTTP date), at most 24 hours."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        delay = timedelta(seconds=int(value[:9]))
    else:
        try:
            delay = parsedate_to_datetime(value) - now
        except (TypeError, ValueError, OverflowError):
            return None
    return max(timedelta(0), min(delay, MAX_RETRY_AFTER))


def next_delay(attempts: int, retry_after: timedelta | None = None) -> timedelta:
    """The wait after the `attempts`-th failed attempt: the schedule with jitter, or longer
    when the receiver asked for it."""
    delay = RETRY_DELAYS[attempts - 1] * (1 + random.uniform(0, JITTER))
    return max(delay, retry_after) if retry_after is not None else delay


def _enqueue_stream_heads(deliveries) -> None:
    """Enqueue the first pending delivery of each (endpoint, stream) among `deliveries`."""
    now = timezone.now()
    seen = set()
    pending = deliveries.filter(state=Delivery.State.PENDING).order_by(
        "endpoint_id", "stream", "sequence"
    )
    for delivery in pending:
        key = (delivery.endpoint_id, delivery.stream)
        if key in seen:
            continue
        seen.add(key)
        delivery.enqueued_at = now
        delivery.save(update_fields=["enqueued_at"])
        delivery_enqueue(delivery, run_after=max(delivery.next_attempt_at, now))


def _finish(delivery: Delivery, state: str, now) -> None:
    delivery.state, delivery.finished_at = state, now
    successor = (
        Delivery.objects.filter(
            endpoint_id=delivery.endpoint_id,
            stream=delivery.stream,
            sequence__gt=delivery.sequence,
            state=Delivery.State.PENDING,
        )
        .order_by("sequence")
        .first()
    )
    if successor is not None:
        successor.enqueued_at = now
        successor.save(update_fields=["enqueued_at"])
        delivery_enqueue(successor, run_after=max(successor.next_attempt_at, now))


def delivery_attempt(*, delivery_id: int) -> str:
    """Send the delivery once if it is due and nobody else holds it; record the attempt."""
    holder = uuid.uuid4().hex
    delivery = _claim(delivery_id, holder)
    if delivery is None:
        return "skipped"
    endpoint = delivery.endpoint
    sent_at = timezone.now()
    answer = send(
        url=endpoint.url,
        msg_id=str(delivery.event_id),
        body=body_of(delivery.payload),
        secrets=signing_secrets(endpoint, sent_at),
    )
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().get(pk=delivery.pk)
        now = timezone.now()
        Attempt.objects.create(
            delivery=delivery,
            at=sent_at,
            status_code=answer.status_code,
            duration_ms=answer.duration_ms,
            error=answer.error,
        )
        logger.info(
            json.dumps(
                {
                    "webhook_attempt": delivery.pk,
                    "endpoint": endpoint.pk,
                    "webhook_id": str(delivery.event_id),
                    "type": delivery.payload.get("type"),
                    "status": answer.status_code,
                    "duration_ms": answer.duration_ms,
                    "error": answer.error,
                }
            )
        )
        if delivery.lease_holder != holder or delivery.state != Delivery.State.PENDING:
            return "lease lost"
        delivery.attempts += 1
        delivery.lease_holder, delivery.lease_until = "", None
        code = answer.status_code
        if code is not None and 200 <= code < 300:
            _finish(delivery, Delivery.State.DELIVERED, now)
        elif code == status.HTTP_410_GONE:
            Endpoint.objects.filter(pk=endpoint.pk).update(
                active=False, disabled_reason=_("The receiver answered 410 Gone.")
            )
            delivery.state, delivery.finished_at = Delivery.State.DEAD, now
        elif delivery.attempts >= MAX_ATTEMPTS:
            _finish(delivery, Delivery.State.DEAD, now)
        else:
            delay = next_delay(delivery.attempts, retry_after_delay(answer.retry_after, now))
            delivery.next_attempt_at = now + delay
            delivery.enqueued_at = now
            delivery_enqueue(delivery, run_after=delivery.next_attempt_at)
        delivery.save()
    return delivery.state
