"""What changed: snapshots of a record's tracked fields and their differences, for events.

Values are rendered the way the API shows them, so an event's `changes` and the resource agree:
a user is its username, another record its id, a blank choice is null (never "").
"""

from typing import Any

from django.conf import settings
from django.db import models


def blank_choice_fields(model: type[models.Model]) -> tuple[str, ...]:
    """Choice fields that may be blank: stored as "", shown as null (API and events alike)."""
    return tuple(
        f.name
        for f in model._meta.concrete_fields
        if f.choices and f.blank and isinstance(f, models.CharField)
    )


def is_user_model(model) -> bool:
    return model._meta.label == settings.AUTH_USER_MODEL


def field_value(obj: models.Model, name: str) -> Any:
    """The value of `obj.<name>` as an event records it."""
    field = obj._meta.get_field(name)
    if field.many_to_many:
        related = getattr(obj, name).all()
        if is_user_model(field.related_model):
            return sorted(user.username for user in related)
        return sorted(str(item.pk) for item in related)
    if field.many_to_one or field.one_to_one:
        if is_user_model(field.related_model):
            user = getattr(obj, name)
            return user.username if user is not None else None
        related_id = getattr(obj, field.attname)
        return str(related_id) if related_id is not None else None
    value = getattr(obj, name)
    if field.choices and field.blank and value == "":
        return None
    return value


def snapshot(obj: models.Model, fields: tuple[str, ...]) -> dict[str, Any]:
    """The tracked fields' values, rendered for events."""
    return {name: field_value(obj, name) for name in fields}


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """`{field: {"from": old, "to": new}}` for every field whose value changed."""
    return {
        name: {"from": before.get(name), "to": value}
        for name, value in after.items()
        if before.get(name) != value
    }


def initial_values(values: dict[str, Any]) -> dict[str, Any]:
    """The values worth recording at creation: empty and false ones are left out."""
    return {k: v for k, v in values.items() if v not in ("", [], None, False)}
