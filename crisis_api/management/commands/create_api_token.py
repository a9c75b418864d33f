"""Create (if needed) a user, give it a role and print a new API token on the last line."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from crisis_api.auth.roles import ROLES, user_set_role
from crisis_api.auth.tokens import api_token_issue


class Command(BaseCommand):
    help = (
        "Create USERNAME if needed, replace its role and print a new token alone on the last line."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", choices=ROLES, required=True)
        parser.add_argument("--name", default="", help="What the token is for (shown in lists).")
        parser.add_argument(
            "--days", type=int, default=None, help="Lifetime in days (0: never expires)."
        )

    def handle(self, *args, username, role, name, days, **options):
        if days is not None and days < 0:
            raise CommandError("--days must be 0 (never expires) or more.")
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
        expiry = token.expires_at.isoformat() if token.expires_at else "never"
        self.stderr.write(
            f"{'Created' if created else 'Updated'} user {username!r} with role {role!r}; "
            f"token {token.prefix}… expires {expiry}. Keep it secret: it is shown only now."
        )
        self.stdout.write(secret)
