"""A permission backend that loads all of a user's permissions in one query."""

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.db.models import Q, QuerySet

from crisis_api.compiled import CompiledQuery


class SingleQueryPermissionBackend(ModelBackend):
    """ModelBackend, but user and group permissions come from a single query.

    Django's backend runs one query for the user's own permissions and one for its groups';
    every API request checks permissions, so this halves that cost.
    """

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            if user_obj.is_superuser:
                rows = _EVERY_PERMISSION.rows()
            else:
                rows = _USER_PERMISSIONS.rows(user_id=user_obj.pk)
            user_obj._perm_cache = {f"{app_label}.{codename}" for app_label, codename in rows}
        return user_obj._perm_cache


def _permissions(permissions) -> QuerySet:
    return permissions.order_by().values_list("content_type__app_label", "codename")


def _granted_to(user_id) -> QuerySet:
    # Two semi-joins on the user's own rows: joining every group's members and filtering after
    # (`Q(user=…) | Q(group__user=…)`) read every membership of every user, 4 ms with 300 users.
    own = Permission.user_set.through.objects.filter(user_id=user_id)
    grouped = Permission.group_set.through.objects.filter(group__user=user_id)
    return _permissions(
        Permission.objects.filter(
            Q(pk__in=own.values("permission_id")) | Q(pk__in=grouped.values("permission_id"))
        )
    )


# Every request reads them: compiled once per process.
_EVERY_PERMISSION = CompiledQuery(lambda: _permissions(Permission.objects.all()))
_USER_PERMISSIONS = CompiledQuery(
    _granted_to, user_id=Permission.user_set.through._meta.get_field("user")
)
