"""Create the roles (viewer, responder, manager) as groups with their permissions."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

VIEWER = [
    "incidents.view_incident",
    "incidents.view_incidentreview",
    "crisis_api.view_event",
]
RESPONDER = [
    *VIEWER,
    "incidents.add_incident",
    "incidents.change_incident",
    "incidents.assess_incident",
    "incidents.respond_incident",
    "incidents.resolve_incident",
    "incidents.dismiss_incident",
    "incidents.reopen_incident",
]
MANAGER = [
    *RESPONDER,
    "incidents.review_incident",
    "incidents.view_confidential_incident",
    "crisis_api.view_apitoken",
    "crisis_api.add_apitoken",
    "crisis_api.change_apitoken",
]
ROLES = {"viewer": VIEWER, "responder": RESPONDER, "manager": MANAGER}


def create_roles(apps, schema_editor):
    # Permissions are normally created after all migrations ran; the groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, names in ROLES.items():
        group, _ = Group.objects.get_or_create(name=role)
        permissions = []
        for name in names:
            app_label, codename = name.split(".")
            permissions.append(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
        group.permissions.set(permissions)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0001_initial"),
        ("crisis_api", "0002_event_append_only_trigger"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
