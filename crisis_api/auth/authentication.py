"""`Authorization: Bearer <token>` authentication for DRF."""

from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions

from crisis_api.auth.token_use import api_token_find, api_token_touch


class BearerTokenAuthentication(authentication.BaseAuthentication):
    """Authenticates a request by an API token, in one database query.

    A second one, a conditional UPDATE of `last_used_at`, runs only when the recorded use is
    older than API_TOKEN_LAST_USED_MINUTES.
    """

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None  # not ours: let session authentication try
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                _("Malformed Authorization header; send `Authorization: Bearer <token>`.")
            )
        try:
            secret = header[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed(
                _("The token contains invalid characters.")
            ) from None
        token = api_token_find(secret)
        if token is None:
            raise exceptions.AuthenticationFailed(
                _(
                    "Invalid, expired or revoked token; ask a manager for a new one "
                    "(manage.py create_api_token)."
                )
            )
        api_token_touch(token=token)
        return token.user, token

    def authenticate_header(self, request):
        return f'{self.keyword} realm="api"'
