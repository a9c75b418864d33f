"""Django's migrate, run as the owner role when MIGRATE_DATABASE_URL is set.

The service connects with DATABASE_URL as a role that owns nothing (see `audit_grants`);
migrations need the owner. Without MIGRATE_DATABASE_URL (SQLite, `make run`) nothing changes.
"""

import environ
from django.conf import settings
from django.core.management.commands.migrate import Command as MigrateCommand
from django.db import connections


class Command(MigrateCommand):
    def handle(self, *args, **options):
        url = settings.MIGRATE_DATABASE_URL
        if url:
            owner = environ.Env.db_url_config(url)
            connection = connections[options["database"]]
            connection.close()
            for key in ("NAME", "USER", "PASSWORD", "HOST", "PORT"):
                if key in owner:
                    connection.settings_dict[key] = owner[key]
        return super().handle(*args, **options)
