"""Recomputing hash chains to find the first event that was altered, removed or inserted."""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from crisis_api.events.hashing import hash_of
from crisis_api.models import Event, EventStream


@dataclass(frozen=True)
class ChainReport:
    """The result of verifying one stream."""

    stream: str
    valid: bool
    events: int
    first_invalid_sequence: int | None
    reason: str = ""


def _check(stream: str, events: Iterable[Event], head: EventStream | None) -> ChainReport:
    expected_prev = Event.GENESIS_HASH
    count = 0
    for count, event in enumerate(events, start=1):
        if event.sequence != count:
            return ChainReport(stream, False, count, count, f"sequence {count} is missing")
        if event.prev_hash != expected_prev:
            return ChainReport(
                stream, False, count, count, "prev_hash does not match the previous event"
            )
        if hash_of(event) != event.hash:
            return ChainReport(stream, False, count, count, "content does not match its hash")
        expected_prev = event.hash
    if head is not None and (head.last_sequence != count or head.last_hash != expected_prev):
        return ChainReport(
            stream,
            False,
            count,
            count + 1,
            f"events after {count} are missing (head says {head.last_sequence})",
        )
    return ChainReport(stream, True, count, None)


def verify_stream(stream: str) -> ChainReport:
    """Verify one stream against its recorded head."""
    head = EventStream.objects.filter(name=stream).first()
    events = Event.objects.filter(stream=stream).order_by("sequence").iterator(chunk_size=2000)
    return _check(stream, events, head)


def verify_all() -> Iterator[ChainReport]:
    """Verify every stream, in one pass over the table."""
    heads = {head.name: head for head in EventStream.objects.all()}
    seen: set[str] = set()
    current: str | None = None
    batch: list[Event] = []
    for event in Event.objects.order_by("stream", "sequence").iterator(chunk_size=2000):
        if event.stream != current:
            if current is not None:
                yield _check(current, batch, heads.get(current))
            current, batch = event.stream, []
            seen.add(current)
        batch.append(event)
    if current is not None:
        yield _check(current, batch, heads.get(current))
    for name in sorted(set(heads) - seen):
        yield _check(name, [], heads[name])
