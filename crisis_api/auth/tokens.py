"""Issuing, finding and revoking API tokens."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from crisis_api.events.services import SYSTEM_STREAM, event_append
from crisis_api.models import ApiToken

TOKEN_PREFIX = "crisis_"


def token_digest(secret: str) -> str:
    """SHA-256 hex digest: tokens are long random strings, so no slow hash is needed."""
    return hashlib.sha256(secret.encode()).hexdigest()


def api_token_issue(
    *, user, actor=None, name: str = "", days: int | None = None
) -> tuple[ApiToken, str]:
    """Create a token for `user`; return it with its secret, which is shown only once.

    `days` defaults to API_TOKEN_DEFAULT_DAYS; 0 means the token never expires.
    """
    days = settings.API_TOKEN_DEFAULT_DAYS if days is None else days
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=secret[: len(TOKEN_PREFIX) + 6],
        digest=token_digest(secret),
        expires_at=timezone.now() + timedelta(days=days) if days else None,
    )
    event_append(
        stream=SYSTEM_STREAM,
        action="api_token.issued",
        actor=actor,
        data={
            "token_id": token.pk,
            "user": user.username,
            "prefix": token.prefix,
            "name": name,
            "expires_at": token.expires_at,
        },
    )
    return token, secret


def api_token_revoke(*, token: ApiToken, actor=None) -> ApiToken:
    """Revoke a token at once; revoking twice keeps the first time."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        event_append(
            stream=SYSTEM_STREAM,
            action="api_token.revoked",
            actor=actor,
            data={"token_id": token.pk, "user": token.user.username, "prefix": token.prefix},
        )
    return token


def api_token_find(secret: str) -> ApiToken | None:
    """The active token with this secret, with its user, in one query; None otherwise."""
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=token_digest(secret), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None or not token.is_active:
        return None
    return token
