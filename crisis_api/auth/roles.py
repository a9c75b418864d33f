"""Roles are Django groups; a user holds at most one of them.

Each app declares what its roles may do in its AppConfig, as `role_permissions`
({role: [app_label.codename, …]}); after every `migrate` the platform makes each role's group
hold exactly the union of what the apps declare, so a new area adds its permissions without
touching another area's code or migrations.
"""

from django.apps import apps
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission
from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models import Q

ROLES = ("monitor", "viewer", "responder", "manager")


def declared_role_permissions() -> dict[str, set[str]]:
    """Every role's permissions, gathered from the apps' `role_permissions` declarations."""
    declared: dict[str, set[str]] = {role: set() for role in ROLES}
    for config in apps.get_app_configs():
        for role, names in getattr(config, "role_permissions", {}).items():
            if role not in declared:
                raise ValueError(
                    f"{config.name} declares permissions for {role!r}, which is not a role; "
                    f"roles: {', '.join(ROLES)}."
                )
            declared[role].update(names)
    return declared


@transaction.atomic
def roles_sync() -> None:
    """Make each role's group hold exactly its declared permissions (creating the group)."""
    for role, names in declared_role_permissions().items():
        wanted = Q(pk__in=[])
        for name in names:
            app_label, codename = name.split(".", 1)
            wanted |= Q(content_type__app_label=app_label, codename=codename)
        permissions = list(Permission.objects.filter(wanted))
        found = {f"{p.content_type.app_label}.{p.codename}" for p in permissions}
        if found != names:
            raise ValueError(
                f"Role {role!r} declares permissions that do not exist: "
                f"{', '.join(sorted(names - found))}."
            )
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.set(permissions)


def roles_sync_after_migrate(sender, using=DEFAULT_DB_ALIAS, **kwargs) -> None:
    """post_migrate receiver: sync once per migrate, when the last app has migrated.

    Django creates permissions in its own post_migrate receiver, which may run after this one
    (receivers run in the order the apps were loaded), so the permissions are created first.
    Django signals only the apps that have a models module: the last of those is awaited.
    """
    with_models = [config for config in apps.get_app_configs() if config.models_module]
    if sender is not with_models[-1]:
        return
    for config in apps.get_app_configs():
        create_permissions(config, verbosity=0, using=using)
    roles_sync()


def user_set_role(*, user, role: str) -> None:
    """Replace the user's role; managers also get into the admin."""
    if role not in ROLES:
        raise ValueError(f"Unknown role {role!r}; choose one of: {', '.join(ROLES)}.")
    group = Group.objects.filter(name=role).first()
    if group is None:
        raise ValueError(f"The {role!r} group does not exist; run `manage.py migrate` first.")
    user.groups.remove(*Group.objects.filter(name__in=ROLES))
    user.groups.add(group)
    user.is_staff = role == "manager"
    user.save(update_fields=["is_staff"])
    for cache in ("_perm_cache", "_user_perm_cache", "_group_perm_cache"):
        user.__dict__.pop(cache, None)


def user_role(user) -> str | None:
    """The name of the user's role, or None."""
    return user.groups.filter(name__in=ROLES).values_list("name", flat=True).first()
