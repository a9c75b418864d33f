"""Every API token expires, and records when it was last used.

Tokens issued before with `--days 0` (or 0 days in the admin) never expired. They get an
expiry of now + API_TOKEN_MAX_DAYS rather than being revoked or expired at once: the bots
holding them keep working through the upgrade, and their owners have the longest lifetime a new
token may have to replace them. The migration records nothing on the system stream: a data fix
is not an action someone took, and migrations must not depend on the event log's code.
"""

from datetime import timedelta

from django.conf import settings
from django.db import migrations, models
from django.utils import timezone


def give_every_token_an_expiry(apps, schema_editor):
    ApiToken = apps.get_model("crisis_api", "ApiToken")
    expires_at = timezone.now() + timedelta(days=settings.API_TOKEN_MAX_DAYS)
    ApiToken.objects.filter(expires_at__isnull=True).update(expires_at=expires_at)


class Migration(migrations.Migration):
    dependencies = [
        ("crisis_api", "0002_event_append_only_trigger"),
    ]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="last_used_at",
            field=models.DateTimeField(
                blank=True,
                help_text="Last authenticated request, to within API_TOKEN_LAST_USED_MINUTES.",
                null=True,
            ),
        ),
        # Reversing keeps the expiries: a token that expires is valid under the old schema too.
        migrations.RunPython(give_every_token_an_expiry, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(
                help_text="Every token expires (at most API_TOKEN_MAX_DAYS after it is issued)."
            ),
        ),
    ]
