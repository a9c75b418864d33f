"""Formerly created the roles; the platform now syncs them after every migrate.

Each app declares its roles' permissions in its AppConfig (`role_permissions`) and
crisis_api.auth.roles.roles_sync makes the groups match after `migrate`, so no area edits
another's migration to give a role a permission. Kept, empty, so existing databases' migration
history stays consistent.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0001_initial"),
        ("crisis_api", "0002_event_append_only_trigger"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = []
