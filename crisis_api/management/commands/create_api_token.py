"""Create (if needed) a user, give it a role and print a new API token on the last line."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from crisis_api.auth.roles import ROLES, user_set_role
from crisis_api.auth.tokens import InvalidTokenLifetime, api_token_issue, token_lifetime_days


class Command(BaseCommand):
    help = (
        "Create USERNAME if needed, replace its role and print a new token alone on the last line."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", choices=ROLES, required=True)
        parser.add_argument("--name", default="", help="What the token is for (shown in lists).")
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help=_("Lifetime in days, 1 to API_TOKEN_MAX_DAYS (default API_TOKEN_DEFAULT_DAYS)."),
        )

    def handle(self, *args, username, role, name, days, **options):
        try:
            days = token_lifetime_days(days)  # refused before the user is created or changed
        except InvalidTokenLifetime as error:
            raise CommandError(
                _("--days must be between 1 and %(max)s (API_TOKEN_MAX_DAYS); every token expires.")
                % {"max": settings.API_TOKEN_MAX_DAYS}
            ) from error
        User = get_user_model()
        with transaction.atomic():
            user, created = User.objects.get_or_create(username=username)
            if created:
                user.set_unusable_password()
                user.save()
            elif not user.is_active:
                raise CommandError(f"User {username!r} is deactivated; reactivate it first.")
            user_set_role(user=user, role=role)
            token, secret = api_token_issue(user=user, name=name, days=days)
        message = (
            _(
                "Created user %(username)r with role %(role)r; token %(prefix)s… expires "
                "%(expires_at)s. Keep it secret: it is shown only now."
            )
            if created
            else _(
                "Updated user %(username)r with role %(role)r; token %(prefix)s… expires "
                "%(expires_at)s. Keep it secret: it is shown only now."
            )
        )
        context = {"username": username, "role": role, "prefix": token.prefix}
        self.stderr.write(message % {**context, "expires_at": token.expires_at.isoformat()})
        self.stdout.write(secret)
