"""Appending to the event log (the only writer of events)."""

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from crisis_api.events.hashing import event_hash, to_json_value
from crisis_api.models import Event, EventStream
from crisis_api.request_id import current_request_id

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
) -> Event:
    """Append one event to `stream`, chained to the stream's last event.

    Runs inside the caller's transaction so the event commits or rolls back with the change it
    records. The stream head is locked, so concurrent appends to one stream queue up.
    """
    with transaction.atomic():
        head = _locked_head(stream)
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
        event.save(force_insert=True)
        head.last_sequence = event.sequence
        head.last_hash = event.hash
        head.save(update_fields=["last_sequence", "last_hash"])
    return event
