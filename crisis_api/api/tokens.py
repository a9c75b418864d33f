"""The token endpoints: list the tokens you may see, revoke one (the API's "log out")."""

from datetime import UTC, datetime

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response

from crisis_api.api.filters import ApiTokenFilter
from crisis_api.api.serializers import ApiTokenSerializer
from crisis_api.auth.selectors import REVOKE_ANY_TOKEN, api_tokens_visible_to, may_revoke
from crisis_api.auth.tokens import TokenAlreadyRevoked, api_token_revoke
from crisis_api.errors import NOT_VISIBLE
from crisis_api.models import ApiToken
from crisis_api.schema import problem_example, responses

TOKEN_EXAMPLE = {
    "id": 42, "prefix": "crisis_Xk3v9Q", "name": "monitoring bot", "user": "bot",
    "created_at": "2026-11-25T10:00:00Z", "expires_at": "2027-02-23T10:00:00Z",
    "last_used_at": "2026-11-25T10:05:00Z", "revoked_at": None, "state": "active",
}  # fmt: skip
# Problems of these endpoints, built from the errors they raise (so they cannot drift).
NOT_YOURS = problem_example(
    "Not your token, and your role may not revoke others'",
    PermissionDenied(
        "Only the token's owner or a manager may revoke it (it needs the "
        "crisis_api.change_apitoken permission)."
    ),
)
NO_SUCH_TOKEN = problem_example(
    "No such token, or not one you may see",
    NotFound(NOT_VISIBLE),
)
ALREADY_REVOKED = problem_example(
    "The token was already revoked",
    TokenAlreadyRevoked(
        ApiToken(prefix="crisis_Xk3v9Q", revoked_at=datetime(2026, 11, 25, 10, 7, tzinfo=UTC))
    ),
)


@extend_schema_view(
    list=extend_schema(
        summary=gettext_lazy("List API tokens (yours; a manager's: everyone's)"),
        description=gettext_lazy(
            "Tokens by prefix, never their secret. A manager (crisis_api.view_apitoken) sees "
            "every user's tokens and may filter by `user`; anyone else sees their own."
        ),
        responses=responses({200: ApiTokenSerializer(many=True)}, 400, 401),
        examples=[
            OpenApiExample("A page of tokens", value=TOKEN_EXAMPLE, response_only=True),
        ],
    ),
)
class ApiTokenViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """API tokens: list, revoke."""

    serializer_class = ApiTokenSerializer
    # A monitoring tool may list its own tokens and revoke one (to log out), nothing else.
    feed_actions = ("list", "revoke")
    filterset_class = ApiTokenFilter
    lookup_value_regex = "[0-9]+"
    cursor_orderings = {
        "-created_at": ("-created_at", "-id"),
        "created_at": ("created_at", "id"),
        "-expires_at": ("-expires_at", "-id"),
        "expires_at": ("expires_at", "id"),
    }
    default_cursor_ordering = "-created_at"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return ApiToken.objects.none()
        return api_tokens_visible_to(self.request.user)

    def filter_queryset(self, queryset):
        # Query filters select among tokens; they never hide the one a URL names.
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    @extend_schema(
        operation_id="tokens_revoke",
        summary=gettext_lazy("Revoke a token (your own, to log out; anyone's, for a manager)"),
        description=gettext_lazy(
            "Revoked at once: the next request with it gets 401. Revoking the token that "
            "authenticates this request is allowed, and this response still goes out. "
            "Revoking a revoked token is a 409 that says when it was revoked."
        ),
        request=None,
        responses=responses(
            {200: ApiTokenSerializer}, 401, 403, 404, 409,
            s403=NOT_YOURS, s404=NO_SUCH_TOKEN, s409=ALREADY_REVOKED,
        ),
        examples=[
            OpenApiExample(
                "Revoked",
                value={**TOKEN_EXAMPLE, "revoked_at": "2026-11-25T10:07:00Z",
                       "state": "revoked"},
                response_only=True,
            )
        ],
    )  # fmt: skip
    @action(detail=True, methods=["post"], pagination_class=None, filterset_class=None)
    def revoke(self, request, pk=None):
        token = self.get_object()  # 404 for tokens the caller may not see
        if not may_revoke(request.user, token):
            raise PermissionDenied(
                _(
                    "Only the token's owner or a manager may revoke it (it needs the "
                    "%(permission)s permission)."
                )
                % {"permission": REVOKE_ANY_TOKEN}
            )
        token = api_token_revoke(token=token, actor=request.user)  # 409 if already revoked
        return Response(ApiTokenSerializer(token).data)
