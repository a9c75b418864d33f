"""Recomputing hash chains to find the first event that was altered, removed or inserted.

Beyond each chain, two cross-checks: a stream's head (crisis_api_eventstream) against its last
event, and, through checks the domain registers (`register_record_check`; the platform knows no
domain), the record a stream describes against what its events say (an incident's status and
version).
"""

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

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
    last_hash: str = Event.GENESIS_HASH
    # Hashes of the sequences asked for (a checkpoint's), as the log has them now.
    marks: dict[int, str] = field(default_factory=dict, compare=False)


@dataclass
class StreamSummary:
    """What a stream's events say about the record it describes, gathered while verifying."""

    stream: str
    events: int = 0
    last_status: str = ""  # the to_status of the last event that set one
    status_events: int = 0  # events with a to_status
    actions: Counter = field(default_factory=Counter)


# A check gets the summaries of the streams whose name starts with its prefix (`complete`:
# every such stream of the log, so records without a stream can be named too) and returns
# {stream: reason} for each record that disagrees with its events.
RecordCheck = Callable[[dict[str, StreamSummary], bool], dict[str, str]]
_RECORD_CHECKS: dict[str, RecordCheck] = {}


def register_record_check(prefix: str, check: RecordCheck) -> None:
    """Let a domain compare its records with their streams (called from AppConfig.ready)."""
    _RECORD_CHECKS[prefix] = check


def _summarise(stream: str, events: list[Event]) -> StreamSummary:
    summary = StreamSummary(stream, events=len(events))
    for event in events:
        summary.actions[event.action] += 1
        if event.to_status:
            summary.status_events += 1
            summary.last_status = event.to_status
    return summary


def _check(
    stream: str,
    events: Iterable[Event],
    head: EventStream | None,
    marks: Iterable[int] = (),
) -> ChainReport:
    """Verify one chain; `marks` are sequences whose stored hash is wanted (even past a break)."""
    wanted, found = set(marks), {}
    expected_prev = Event.GENESIS_HASH
    count, failure = 0, None
    for position, event in enumerate(events, start=1):
        if event.sequence in wanted:
            found[event.sequence] = event.hash
        if failure is not None:
            continue
        count = position
        if event.sequence != position:
            failure = _("sequence %(sequence)d is missing") % {"sequence": position}
        elif event.prev_hash != expected_prev:
            failure = _("prev_hash does not match the previous event")
        elif hash_of(event) != event.hash:
            failure = _("content does not match its hash")
        else:
            expected_prev = event.hash
    if failure is not None:
        return ChainReport(stream, False, count, count, failure, expected_prev, found)
    if head is None and count:
        return ChainReport(
            stream, False, count, None, _("the stream has no head"), expected_prev, found
        )
    if head is not None and (head.last_sequence != count or head.last_hash != expected_prev):
        if head.last_sequence > count:
            reason = _("events after %(count)d are missing (the head says %(head)d)") % {
                "count": count,
                "head": head.last_sequence,
            }
        else:
            reason = _(
                "the head (sequence %(head)d) does not name the last event (sequence %(count)d)"
            ) % {"head": head.last_sequence, "count": count}
        return ChainReport(stream, False, count, count + 1, reason, expected_prev, found)
    return ChainReport(stream, True, count, None, "", expected_prev, found)


def _with_record_checks(
    reports: dict[str, ChainReport], summaries: dict[str, StreamSummary], complete: bool
) -> Iterator[ChainReport]:
    problems: dict[str, str] = {}
    for prefix, check in _RECORD_CHECKS.items():
        mine = {name: s for name, s in summaries.items() if name.startswith(prefix)}
        if mine or complete:
            problems.update(check(mine, complete))
    for name in sorted(set(reports) | set(problems)):
        report = reports.get(name) or ChainReport(name, True, 0, None)
        if report.valid and name in problems:
            report = ChainReport(
                name, False, report.events, None, problems[name], report.last_hash, report.marks
            )
        yield report


def verify_stream(stream: str) -> ChainReport:
    """Verify one stream against its recorded head and the record it describes."""
    head = EventStream.objects.filter(name=stream).first()
    events = list(Event.objects.filter(stream=stream).order_by("sequence"))
    report = _check(stream, events, head)
    summaries = {stream: _summarise(stream, events)} if report.valid else {}
    return next(_with_record_checks({stream: report}, summaries, complete=False))


def verify_all(marks: dict[str, int] | None = None) -> Iterator[ChainReport]:
    """Verify every stream in one pass over the table, in stream order.

    `marks` ({stream: sequence}) asks for the hash each stream now has at that sequence (in
    ChainReport.marks), for comparing with a checkpoint.
    """
    marks = marks or {}
    heads = {head.name: head for head in EventStream.objects.all()}
    reports: dict[str, ChainReport] = {}
    summaries: dict[str, StreamSummary] = {}

    def close(name: str, batch: list[Event]) -> None:
        report = _check(name, batch, heads.get(name), [marks[name]] if name in marks else ())
        reports[name] = report
        if report.valid:
            summaries[name] = _summarise(name, batch)

    current: str | None = None
    batch: list[Event] = []
    for event in Event.objects.order_by("stream", "sequence").iterator(chunk_size=2000):
        if event.stream != current:
            if current is not None:
                close(current, batch)
            current, batch = event.stream, []
        batch.append(event)
    if current is not None:
        close(current, batch)
    for name in sorted(set(heads) - set(reports)):
        close(name, [])
    yield from _with_record_checks(reports, summaries, complete=True)
