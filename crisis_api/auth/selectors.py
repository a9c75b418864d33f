"""Reading API tokens: who may see which."""

from django.db.models import QuerySet

from crisis_api.models import ApiToken

# A manager sees and revokes everyone's tokens; anyone else only their own.
VIEW_ANY_TOKEN = "crisis_api.view_apitoken"
REVOKE_ANY_TOKEN = "crisis_api.change_apitoken"


def api_tokens_visible_to(user) -> QuerySet[ApiToken]:
    """Every token for a manager; the user's own tokens for anyone else."""
    tokens = ApiToken.objects.select_related("user")
    if user.has_perm(VIEW_ANY_TOKEN):
        return tokens
    return tokens.filter(user=user)


def may_revoke(user, token: ApiToken) -> bool:
    """The token's owner may revoke it (log out); so may a manager."""
    return token.user_id == user.pk or user.has_perm(REVOKE_ANY_TOKEN)
