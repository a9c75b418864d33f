"""Issuing and revoking API tokens, each with its event on the system stream.

Finding a token and recording its use live in `token_use`, which authentication imports: this
module imports the error classes (and through them DRF's views, which load the authentication
classes), so authentication importing it would be circular.
"""

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import status

from crisis_api.auth.token_use import TOKEN_PREFIX, api_token_find, token_digest
from crisis_api.errors import ProblemError
from crisis_api.events.services import SYSTEM_STREAM, event_append
from crisis_api.models import ApiToken

__all__ = [
    "TOKEN_PREFIX",
    "InvalidTokenLifetime",
    "TokenAlreadyRevoked",
    "api_token_find",
    "api_token_issue",
    "api_token_revoke",
    "token_digest",
    "token_lifetime_days",
]


class InvalidTokenLifetime(ProblemError):
    """`days` is outside 1..API_TOKEN_MAX_DAYS."""

    code = "invalid"

    def __init__(self, days) -> None:
        message = _(
            "A token lives between 1 and %(max)s days (API_TOKEN_MAX_DAYS); %(days)s is "
            "outside that range."
        ) % {"max": settings.API_TOKEN_MAX_DAYS, "days": days}
        detail = _("The request is invalid; see `errors` for what to fix in each field.")
        super().__init__(detail, errors={"days": [message]})
        self.message = message


class TokenAlreadyRevoked(ProblemError):
    """Revoking a revoked token: the caller learns when it happened."""

    status_code = status.HTTP_409_CONFLICT
    code = "already_revoked"

    def __init__(self, token: ApiToken) -> None:
        super().__init__(
            _(
                "Token %(prefix)s… was already revoked at %(revoked_at)s; nothing to do. "
                "Issue a new token if you need one."
            )
            % {"prefix": token.prefix, "revoked_at": token.revoked_at.isoformat()},
            revoked_at=token.revoked_at.isoformat(),
        )


def token_lifetime_days(days: int | None) -> int:
    """`days`, or the default, checked against 1..API_TOKEN_MAX_DAYS."""
    days = settings.API_TOKEN_DEFAULT_DAYS if days is None else days
    if isinstance(days, bool) or not isinstance(days, int):
        raise InvalidTokenLifetime(days)
    if not 1 <= days <= settings.API_TOKEN_MAX_DAYS:
        raise InvalidTokenLifetime(days)
    return days


def api_token_issue(
    *, user, actor=None, name: str = "", days: int | None = None
) -> tuple[ApiToken, str]:
    """Create a token for `user`; return it with its secret, which is shown only once.

    `days` defaults to API_TOKEN_DEFAULT_DAYS and must be 1..API_TOKEN_MAX_DAYS: every token
    expires. The token and its `api_token.issued` event commit together.
    """
    days = token_lifetime_days(days)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            name=name,
            prefix=secret[: len(TOKEN_PREFIX) + 6],
            digest=token_digest(secret),
            expires_at=timezone.now() + timedelta(days=days),
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
    """Revoke a token at once, with its `api_token.revoked` event, in one transaction.

    The row is locked first, so of two concurrent revokes one records the event and the other
    gets TokenAlreadyRevoked (409), as does revoking a token that was revoked before.
    """
    with transaction.atomic():
        locked = (
            ApiToken.objects.select_for_update(of=("self",)).select_related("user").get(pk=token.pk)
        )
        if locked.revoked_at is not None:
            raise TokenAlreadyRevoked(locked)
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at"])
        event_append(
            stream=SYSTEM_STREAM,
            action="api_token.revoked",
            actor=actor,
            data={"token_id": locked.pk, "user": locked.user.username, "prefix": locked.prefix},
        )
    return locked
