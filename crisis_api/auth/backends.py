"""A permission backend that loads all of a user's permissions in one query, and the same
permissions as a column of another query (authentication reads them with the token)."""

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.db.models import Aggregate, JSONField, Q, QuerySet, Subquery, Value
from django.db.models.functions import Concat

# "app_label.codename", what has_perm() is asked.
_NAME = Concat("content_type__app_label", Value("."), "codename")


class _JSONArrayAgg(Aggregate):
    """The values as a JSON array (NULL over no rows)."""

    function = "JSONB_AGG"  # PostgreSQL: jsonb reaches JSONField as text, as it expects
    output_field = JSONField()

    def as_sqlite(self, compiler, connection, **extra):
        return super().as_sql(compiler, connection, function="JSON_GROUP_ARRAY", **extra)


def _permissions_of(user) -> QuerySet:
    """The user's own permissions and their groups' (`user`: a user, an id or an OuterRef).

    Two semi-joins on the user's own rows: joining every group's members and filtering after
    (`Q(user=…) | Q(group__user=…)`) read every membership of every user, 4 ms with 300 users.
    """
    own = Permission.user_set.through.objects.filter(user=user)
    grouped = Permission.group_set.through.objects.filter(group__user=user)
    return Permission.objects.filter(
        Q(pk__in=own.values("permission_id")) | Q(pk__in=grouped.values("permission_id"))
    ).order_by()


def permission_names(user_ref) -> Subquery:
    """The permission names of the user `user_ref` points at (an OuterRef of an OuterRef),
    as a JSON array column: None when they have none. Superusers' are not all listed."""
    names = (
        _permissions_of(user_ref)
        .annotate(all_rows=Value(1))
        .values("all_rows")
        .annotate(names=_JSONArrayAgg(_NAME))
        .values("names")
    )
    return Subquery(names, output_field=JSONField())


def cache_permissions(user, names: list[str] | None) -> None:
    """Hand the backend the permissions read with the user (`permission_names`)."""
    if not user.is_superuser:
        user._perm_cache = set(names or ())


class SingleQueryPermissionBackend(ModelBackend):
    """ModelBackend, but user and group permissions come from a single query.

    Django's backend runs one query for the user's own permissions and one for its groups';
    every API request checks permissions, so this halves that cost (and token authentication
    reads them with the token: `permission_names`).
    """

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            permissions = Permission.objects.all().order_by()
            if not user_obj.is_superuser:
                permissions = _permissions_of(user_obj)
            user_obj._perm_cache = set(
                permissions.annotate(full_name=_NAME).values_list("full_name", flat=True)
            )
        return user_obj._perm_cache
