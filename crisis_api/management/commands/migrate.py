"""Django's migrate, run as the owner role when MIGRATE_DATABASE_URL is set.

The service connects with DATABASE_URL as a role that owns nothing (see `audit_grants`);
migrations need the owner. Without MIGRATE_DATABASE_URL (SQLite, `make run`) nothing changes.
"""

import environ
from django.conf import settings
from django.core.management.commands.migrate import Command as MigrateCommand
from django.db import connections

OWNER_KEYS = ("NAME", "USER", "PASSWORD", "HOST", "PORT")


def owner_settings(current: dict, url: str) -> dict:
    """The connection settings of `current` with the owner's name, user, password and host."""
    owner = environ.Env.db_url_config(url)
    if owner["ENGINE"] != current["ENGINE"]:
        raise ValueError("MIGRATE_DATABASE_URL must name the same kind of database as DATABASE_URL")
    return {**current, **{key: owner[key] for key in OWNER_KEYS if key in owner}}


class Command(MigrateCommand):
    def handle(self, *args, **options):
        if settings.MIGRATE_DATABASE_URL:
            connection = connections[options["database"]]
            owner = owner_settings(connection.settings_dict, settings.MIGRATE_DATABASE_URL)
            connection.close()
            connection.settings_dict.update(owner)
        return super().handle(*args, **options)
