"""Extension points of the event log: who hears of new events, and what a stream is about.

The log knows nothing of incidents or webhooks. An app that must act in the transaction of an
event (webhooks write their outbox rows there) registers an append listener; a domain app says
what its streams are about (confidential or not, which record) with a stream describer, so a
listener can decide without importing the domain.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class StreamSubject:
    """What a stream is about: whether its events are confidential, and the record's ids."""

    confidential: bool = False
    data: dict[str, Any] = field(default_factory=dict)


_listeners: list[Callable[[list], None]] = []
_describers: dict[str, Callable[[list[str]], dict[str, StreamSubject]]] = {}


def on_append(listener: Callable[[list], None]) -> None:
    """Call `listener(events)` with every list of events appended, inside their transaction."""
    if listener not in _listeners:
        _listeners.append(listener)


def describe_streams_with(prefix: str, describer) -> None:
    """Streams named `prefix…` are described by `describer(names) -> {name: StreamSubject}`
    (one query for any number of names)."""
    _describers[prefix] = describer


def describe_streams(names: Iterable[str]) -> dict[str, StreamSubject]:
    """Each stream's subject; a stream no app describes is not confidential and has no data."""
    names = sorted(set(names))
    described: dict[str, StreamSubject] = {}
    for prefix, describer in _describers.items():
        mine = [name for name in names if name.startswith(prefix)]
        if mine:
            described.update(describer(mine))
    return {name: described.get(name, StreamSubject()) for name in names}


def notify_appended(events: list) -> None:
    """Tell every listener of the events just appended (the caller's transaction is open)."""
    for listener in _listeners:
        listener(events)
