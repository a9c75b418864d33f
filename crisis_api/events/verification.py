"""Recomputing hash chains to find the first event that was altered, removed or inserted.

Beyond each chain, two cross-checks: a stream's head (crisis_api_eventstream) against its last
event, and, through checks the domain registers (`register_record_check`; the platform knows no
domain), the record a stream describes against what its events say (an incident's status and
version).
"""

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import groupby
from operator import itemgetter

from django.db import connection
from django.db.models import Func, Sum, TextField
from django.db.models.functions import Cast
from django.utils.translation import gettext as _

from crisis_api.events.hashing import stored_event_hash
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


# What verification reads of each event, a tuple per row (no model instances), in chunks: the
# memory stays bounded whatever the length of a stream or of the log. The JSON payloads come
# as text (see hashing.stored_event_hash).
_COLUMNS = (
    "sequence", "at", "actor_id", "action", "from_status", "to_status", "changes_text", "note",
    "data_text", "request_id", "prev_hash", "hash",
)  # fmt: skip
_AS_TEXT = {"changes_text": Cast("changes", TextField()), "data_text": Cast("data", TextField())}


class _UtcInstant(Func):
    """On PostgreSQL, `at` written by the server as the hash encodes it (UTC, microseconds:
    2026-11-25T09:12:00.000000+00:00); parsing a timestamp in Python costs more than hashing.
    Elsewhere the column itself (a datetime, which stored_event_hash formats)."""

    output_field = TextField()

    def as_sql(self, compiler, connection, **extra_context):
        return compiler.compile(self.source_expressions[0])

    def as_postgresql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return (
            f"to_char(({sql}) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"+00:00\"')",
            params,
        )


def _rows(events, *first: str):
    """The rows of `events` as _check reads them (after the `first` columns)."""
    if connection.vendor == "postgresql":
        events = events.annotate(at_text=_UtcInstant("at"))
        columns = [("at_text" if name == "at" else name) for name in _COLUMNS]
    else:
        columns = list(_COLUMNS)
    return events.annotate(**_AS_TEXT).values_list(*first, *columns)


CHUNK_SIZE = 2000
# How often (in events) a long stream reports progress.
PROGRESS_EVERY = 5000


def _check(
    stream: str,
    rows: Iterable[tuple],
    head: EventStream | None,
    marks: Iterable[int] = (),
    progress: Callable[[int], None] | None = None,
) -> tuple[ChainReport, StreamSummary]:
    """Verify one chain from its rows (_COLUMNS, in sequence order), in one pass; `marks` are
    sequences whose stored hash is wanted (even past a break). The summary of what the events
    say is gathered on the way (it matters only when the chain is valid)."""
    wanted, found = set(marks), {}
    summary = StreamSummary(stream)
    actions = summary.actions
    expected_prev = Event.GENESIS_HASH
    count, failure, position = 0, None, 0
    for position, row in enumerate(rows, start=1):
        (sequence, at, actor_id, action, from_status, to_status, changes, note, data,
         request_id, prev_hash, stored_hash) = row  # fmt: skip
        if progress is not None and position % PROGRESS_EVERY == 0:
            progress(PROGRESS_EVERY)
        if sequence in wanted:
            found[sequence] = stored_hash
        if failure is not None:
            continue
        count = position
        actions[action] += 1
        if to_status:
            summary.status_events += 1
            summary.last_status = to_status
        if sequence != position:
            failure = _("sequence %(sequence)d is missing") % {"sequence": position}
        elif prev_hash != expected_prev:
            failure = _("prev_hash does not match the previous event")
        elif (
            stored_event_hash(stream, sequence, at, actor_id, action, from_status, to_status,
                              changes, note, data, request_id, prev_hash)
            != stored_hash
        ):  # fmt: skip
            failure = _("content does not match its hash")
        else:
            expected_prev = stored_hash
    if progress is not None and position % PROGRESS_EVERY:
        progress(position % PROGRESS_EVERY)
    summary.events = count
    if failure is not None:
        return ChainReport(stream, False, count, count, failure, expected_prev, found), summary
    if head is None and count:
        report = ChainReport(
            stream, False, count, None, _("the stream has no head"), expected_prev, found
        )
        return report, summary
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
        return ChainReport(stream, False, count, count + 1, reason, expected_prev, found), summary
    return ChainReport(stream, True, count, None, "", expected_prev, found), summary


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
    rows = _rows(Event.objects.filter(stream=stream).order_by("sequence"))
    rows = rows.iterator(chunk_size=CHUNK_SIZE)
    report, summary = _check(stream, rows, head)
    summaries = {stream: summary} if report.valid else {}
    return next(_with_record_checks({stream: report}, summaries, complete=False))


def verify_all(
    marks: dict[str, int] | None = None, progress: Callable[[int], None] | None = None
) -> Iterator[ChainReport]:
    """Verify every stream in one pass over the table, in stream order.

    `marks` ({stream: sequence}) asks for the hash each stream now has at that sequence (in
    ChainReport.marks), for comparing with a checkpoint. `progress(n)` is told of every few
    thousand events verified (the heads' sequences add up to the total expected).
    """
    marks = marks or {}
    heads = {head.name: head for head in EventStream.objects.all()}
    reports: dict[str, ChainReport] = {}
    summaries: dict[str, StreamSummary] = {}

    def close(name: str, rows: Iterable[tuple]) -> None:
        wanted = [marks[name]] if name in marks else ()
        report, summary = _check(name, rows, heads.get(name), wanted, progress)
        reports[name] = report
        if report.valid:
            summaries[name] = summary

    rows = _rows(Event.objects.order_by("stream", "sequence"), "stream")
    rows = rows.iterator(chunk_size=CHUNK_SIZE)
    for name, group in groupby(rows, key=itemgetter(0)):
        close(name, (row[1:] for row in group))
    for name in sorted(set(heads) - set(reports)):
        close(name, ())
    yield from _with_record_checks(reports, summaries, complete=True)


def events_expected() -> int:
    """How many events the heads say the log holds (the total of a progress bar)."""
    return EventStream.objects.aggregate(total=Sum("last_sequence"))["total"] or 0
