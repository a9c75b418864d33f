"""Appending to the event log (the only writer of events)."""

from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from crisis_api.events.hashing import event_hash, to_json_value
from crisis_api.events.hooks import notify_appended
from crisis_api.models import Event, EventStream
from crisis_api.request_id import current_request_id
from crisis_api.rollups import insert_ignoring, update_joined

SYSTEM_STREAM = "system"


def _locked_head(stream: str) -> EventStream:
    """Lock the stream's head row, creating it on first use."""
    head = EventStream.objects.select_for_update().filter(name=stream).first()
    if head is not None:
        return head
    try:
        with transaction.atomic():
            EventStream.objects.create(name=stream)
    except IntegrityError:  # another writer created it first; its row is now there to lock
        pass
    return EventStream.objects.select_for_update().get(name=stream)


def event_append(
    *,
    stream: str,
    action: str,
    actor=None,
    from_status: str = "",
    to_status: str = "",
    changes: dict[str, Any] | None = None,
    note: str = "",
    data: dict[str, Any] | None = None,
    new_stream: bool = False,
) -> Event:
    """Append one event to `stream`, chained to the stream's last event.

    Runs inside the caller's transaction so the event commits or rolls back with the change it
    records (without a savepoint of its own: an error here fails the caller's transaction). The
    stream head is locked, so concurrent appends to one stream queue up.

    `new_stream` says the caller has just created the stream's record (a new incident): its
    head is inserted (empty, as the database's guard wants) instead of being looked up, created
    and locked, three queries instead of seven. A head that exists after all is an
    IntegrityError: the transaction fails, nothing is overwritten.
    """
    with transaction.atomic(savepoint=False):
        # A new stream's head is a row this transaction inserts: no one else can lock it.
        head = EventStream.objects.create(name=stream) if new_stream else _locked_head(stream)
        changes = to_json_value(changes or {})
        data = to_json_value(data or {})
        fields = {
            "stream": stream,
            "sequence": head.last_sequence + 1,
            "at": timezone.now(),
            "actor_id": actor.pk if actor is not None else None,
            "action": action,
            "from_status": from_status or "",
            "to_status": to_status or "",
            "changes": changes,
            "note": note or "",
            "data": data,
            "request_id": current_request_id(),
            "prev_hash": head.last_hash,
        }
        event = Event(**fields, hash=event_hash(**fields))
        event.actor = actor  # cached for the append listeners, no query
        event.save(force_insert=True)
        head.last_sequence = event.sequence
        head.last_hash = event.hash
        head.save(update_fields=["last_sequence", "last_hash"])
        notify_appended([event])
    return event


@dataclass
class NewEvent:
    """One event to append with events_append (the arguments of event_append)."""

    stream: str
    action: str
    actor: Any = None
    from_status: str = ""
    to_status: str = ""
    changes: dict[str, Any] = field(default_factory=dict)
    note: str = ""
    data: dict[str, Any] = field(default_factory=dict)


def events_append(events: list[NewEvent]) -> list[Event]:
    """Append many events, to many streams, in a fixed number of queries.

    The same chain as event_append, for a write that touches many records at once (a batch of
    signals feeding dozens of incidents): the stream heads are created if new and locked in
    name order (so concurrent writers queue, never deadlock), the events inserted in one
    statement and the heads moved in another. Runs inside the caller's transaction.
    """
    if not events:
        return []
    names = sorted({event.stream for event in events})
    with transaction.atomic(savepoint=False):
        insert_ignoring(
            EventStream,
            [{"name": name, "last_sequence": 0, "last_hash": Event.GENESIS_HASH} for name in names],
            ("name", "last_sequence", "last_hash"),
        )
        heads = {
            head.name: head
            for head in EventStream.objects.select_for_update()
            .filter(name__in=names)
            .order_by("name")
        }
        at, request_id = timezone.now(), current_request_id()
        rows = []
        for new in events:
            head = heads[new.stream]
            fields = {
                "stream": new.stream,
                "sequence": head.last_sequence + 1,
                "at": at,
                "actor_id": new.actor.pk if new.actor is not None else None,
                "action": new.action,
                "from_status": new.from_status or "",
                "to_status": new.to_status or "",
                "changes": to_json_value(new.changes or {}),
                "note": new.note or "",
                "data": to_json_value(new.data or {}),
                "request_id": request_id,
                "prev_hash": head.last_hash,
            }
            event = Event(**fields, hash=event_hash(**fields))
            event.actor = new.actor  # cached for the append listeners, no query
            rows.append(event)
            head.last_sequence, head.last_hash = event.sequence, event.hash
        Event.objects.bulk_create(rows)
        _heads_move(list(heads.values()))
        notify_appended(rows)
    return rows


def _heads_move(heads: list[EventStream]) -> None:
    """Save the heads' new sequences and hashes: on PostgreSQL one UPDATE joined to their
    arrays (bulk_update's CASE per row and field costs milliseconds to build), elsewhere
    bulk_update. The heads are locked: the order of the rows does not matter."""
    if connection.vendor != "postgresql":
        EventStream.objects.bulk_update(heads, ["last_sequence", "last_hash"])
        return
    rows = [{"name": h.name, "last_sequence": h.last_sequence, "last_hash": h.last_hash}
            for h in heads]  # fmt: skip
    update_joined(EventStream, rows, key="name", assign=("last_sequence", "last_hash"))
