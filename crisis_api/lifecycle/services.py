"""The one write path of a transition: lock, check, apply, save and record, atomically."""

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from crisis_api.concurrency import check_version
from crisis_api.events.changes import diff, is_user_model, snapshot
from crisis_api.events.services import event_append
from crisis_api.lifecycle.machine import StateMachine


def lock(model: type[models.Model], pk, related: tuple[str, ...] = ()) -> models.Model:
    """Re-read a row under a lock (also the safe way to refresh a protected FSM field).

    `related` foreign keys are read in the same query (joined; only the row itself is locked).
    """
    if not related:
        return model.objects.select_for_update().get(pk=pk)
    return model.objects.select_for_update(of=("self",)).select_related(*related).get(pk=pk)


def user_relations(model: type[models.Model], names: tuple[str, ...]) -> tuple[str, ...]:
    """The foreign keys to users among `names`: a snapshot reads each one's username."""
    return tuple(
        name
        for name in names
        if (field := model._meta.get_field(name)).many_to_one and is_user_model(field.related_model)
    )


def run_transition(
    *,
    machine: StateMachine,
    pk,
    name: str,
    actor,
    expected_version: int | None,
    apply: Callable[[Any, datetime], None],
    tracked: tuple[str, ...],
    note: str = "",
    data: dict[str, Any] | Callable[[Any], dict[str, Any]] | None = None,
    check: Callable[[Any], None] | None = None,
    statuses_in_changes: bool = False,
):
    """Run transition `name` on the record `pk`; the change and its event commit together.

    Under the row lock: the expected version (412), the state machine (409) and `check` (any
    other precondition of this record) are checked again, whatever the caller checked before;
    then `apply(record, now)` runs the `@transition` method with its input, the version goes up
    and the event records the tracked fields that changed. The record needs `version`,
    `updated_at` and `stream` (its event stream). `data` may be a function of the record after
    the change.

    `statuses_in_changes` is for a record whose events go on another resource's stream (a
    communication on its incident's): the stream's `from_status` and `to_status` are that
    resource's, so this record's move is recorded in `changes["status"]` instead.
    """
    with transaction.atomic():
        record = lock(machine.model, pk, related=user_relations(machine.model, tracked))
        check_version(expected_version, record.version)
        machine.check(record, name)
        if check is not None:
            check(record)
        before = snapshot(record, tracked)
        from_status = machine.state(record)
        now = timezone.now()
        apply(record, now)
        record.version += 1
        record.updated_at = now
        record.save()
        changes = diff(before, snapshot(record, tracked))
        statuses = {"from_status": from_status, "to_status": machine.state(record)}
        if statuses_in_changes:
            changes = {"status": {"from": from_status, "to": machine.state(record)}, **changes}
            statuses = {}
        event_append(
            stream=record.stream,
            action=machine.event_action(name),
            actor=actor,
            changes=changes,
            note=note,
            data=data(record) if callable(data) else data,
            **statuses,
        )
    return record
