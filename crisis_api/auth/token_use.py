"""Finding a token by its secret and recording its use: all that authentication needs."""

import hashlib
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from crisis_api.compiled import CompiledQuery
from crisis_api.models import ApiToken

TOKEN_PREFIX = "crisis_"


def token_digest(secret: str) -> str:
    """SHA-256 hex digest: tokens are long random strings, so no slow hash is needed."""
    return hashlib.sha256(secret.encode()).hexdigest()


# The newest active token of a digest, with its user (every request reads it): compiled once
# per process.
_ACTIVE_TOKEN = CompiledQuery(
    lambda digest, now: ApiToken.objects.select_related("user").filter(
        digest=digest, revoked_at__isnull=True, expires_at__gt=now, user__is_active=True
    )[:1],
    digest=ApiToken._meta.get_field("digest"),
    now=ApiToken._meta.get_field("expires_at"),
)


def api_token_find(secret: str) -> ApiToken | None:
    """The active token with this secret, with its user, in one query; None otherwise."""
    found = _ACTIVE_TOKEN.objects(digest=token_digest(secret), now=timezone.now())
    return found[0] if found else None


def api_token_touch(*, token: ApiToken, now: datetime | None = None) -> bool:
    """Record that the token was used, at most once per API_TOKEN_LAST_USED_MINUTES.

    No query at all while the value read with the token is recent enough; otherwise one
    conditional UPDATE, so of concurrent requests only the first writes. Returns whether this
    call wrote.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(minutes=settings.API_TOKEN_LAST_USED_MINUTES)
    if token.last_used_at is not None and token.last_used_at >= cutoff:
        return False
    written = (
        ApiToken.objects.filter(pk=token.pk)
        .filter(Q(last_used_at__isnull=True) | Q(last_used_at__lt=cutoff))
        .update(last_used_at=now)
    )
    if written:
        token.last_used_at = now
    return bool(written)
