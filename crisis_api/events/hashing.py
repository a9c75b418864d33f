"""The canonical encoding of an event and its SHA-256 chain hash."""

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder


class _Encoder(DjangoJSONEncoder):
    """Django's encoder, but datetimes keep their microseconds."""

    def default(self, o):
        if isinstance(o, datetime):
            return o.isoformat()
        return super().default(o)


def to_json_value(value: Any) -> Any:
    """Return `value` as plain JSON data (dates, UUIDs and decimals become strings).

    Payloads are normalised before they are stored and hashed, so what the database gives back
    encodes exactly as what was hashed (PostgreSQL's jsonb keeps values, not key order).
    """
    return json.loads(json.dumps(value, cls=_Encoder))


def canonical_bytes(fields: dict[str, Any]) -> bytes:
    """Encode event fields deterministically: sorted keys, no spaces, UTF-8."""
    return json.dumps(
        fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False, cls=_Encoder
    ).encode()


def event_hash(
    *,
    stream: str,
    sequence: int,
    at: datetime,
    actor_id: int | None,
    action: str,
    from_status: str,
    to_status: str,
    changes: dict,
    note: str,
    data: dict,
    request_id: str,
    prev_hash: str,
) -> str:
    """SHA-256 (hex) of the event's canonical encoding, chained to `prev_hash`."""
    fields = {
        "stream": stream,
        "sequence": sequence,
        "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor_id": actor_id,
        "action": action,
        "from_status": from_status,
        "to_status": to_status,
        "changes": changes,
        "note": note,
        "data": data,
        "request_id": request_id,
        "prev_hash": prev_hash,
    }
    return hashlib.sha256(canonical_bytes(fields)).hexdigest()


def hash_of(event) -> str:
    """Recompute the hash of a stored event from its fields."""
    return event_hash(
        stream=event.stream,
        sequence=event.sequence,
        at=event.at,
        actor_id=event.actor_id,
        action=event.action,
        from_status=event.from_status,
        to_status=event.to_status,
        changes=event.changes,
        note=event.note,
        data=event.data,
        request_id=event.request_id,
        prev_hash=event.prev_hash,
    )
