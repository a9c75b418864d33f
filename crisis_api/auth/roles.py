"""Roles are Django groups; a user holds at most one of them."""

from django.contrib.auth.models import Group

ROLES = ("viewer", "responder", "manager")


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
