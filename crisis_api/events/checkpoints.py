"""Signed checkpoints of the event log, and verifying the log against one.

A checkpoint records the head (sequence and hash) of every stream, signed with HMAC-SHA256
under AUDIT_CHECKPOINT_KEY. Its copies live outside the database (the file the command
writes, the `audit.checkpoint` webhook), so whoever can rewrite the tables cannot rewrite them:
a stream later cut short, rewritten (even with recomputed hashes) or gone is named.
"""

import hashlib
import hmac
import json
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crisis_api.events.hashing import canonical_bytes
from crisis_api.events.services import SYSTEM_STREAM, event_append
from crisis_api.events.verification import verify_all
from crisis_api.models import AuditCheckpoint, EventStream

FORMAT = "crisis-api-audit-checkpoint/1"
ACTION = "audit.checkpoint"
GONE, CUT_SHORT, REWRITTEN, BROKEN = "gone", "cut_short", "rewritten", "broken"


def checkpoint_key() -> bytes:
    """The signing key; refuses to go on without one (debug off and no AUDIT_CHECKPOINT_KEY)."""
    key = settings.AUDIT_CHECKPOINT_KEY
    if not key:
        raise ImproperlyConfigured(
            "AUDIT_CHECKPOINT_KEY is not set: set it (a long random secret kept outside the "
            "database) to sign and verify audit checkpoints."
        )
    return key.encode()


def signature_of(document: dict[str, Any]) -> str:
    """HMAC-SHA256 (hex) of the document's canonical encoding, its signature left out."""
    unsigned = {name: value for name, value in document.items() if name != "signature"}
    return hmac.new(checkpoint_key(), canonical_bytes(unsigned), hashlib.sha256).hexdigest()


def signature_valid(document: dict[str, Any]) -> bool:
    signature = document.get("signature")
    return isinstance(signature, str) and hmac.compare_digest(signature, signature_of(document))


def checkpoint_create() -> AuditCheckpoint:
    """Record every stream's head in a signed checkpoint and append `audit.checkpoint`.

    The heads are read in one statement (one consistent snapshot); the checkpoint event that
    follows on the system stream is covered by the next checkpoint.
    """
    key = checkpoint_key()  # refuse before writing anything
    assert key
    with transaction.atomic():
        heads = EventStream.objects.filter(last_sequence__gt=0).order_by("name")
        streams = {
            head.name: {"sequence": head.last_sequence, "hash": head.last_hash} for head in heads
        }
        now = timezone.now().astimezone(UTC)
        document = {
            "format": FORMAT,
            "created_at": now.isoformat(timespec="microseconds").replace("+00:00", "Z"),
            "events": sum(head["sequence"] for head in streams.values()),
            "streams": streams,
        }
        document["signature"] = signature_of(document)
        checkpoint = AuditCheckpoint.objects.create(
            created_at=now,
            streams=len(streams),
            events=document["events"],
            document=document,
        )
        event_append(
            stream=SYSTEM_STREAM,
            action=ACTION,
            data={"checkpoint": checkpoint.pk, **document},
        )
    return checkpoint


@dataclass
class Problem:
    stream: str
    problem: str
    detail: str


@dataclass
class Verdict:
    """The log against a checkpoint (and its own chains and cross-checks)."""

    valid: bool
    signature_valid: bool
    checkpoint_created_at: str | None = None
    streams_checked: int = 0
    events_checked: int = 0
    problems: list[Problem] = field(default_factory=list)


def verify_against(document: dict[str, Any]) -> Verdict:
    """Check the signature first, then every chain against the checkpoint's heads.

    A stream of the checkpoint is `gone` (no events now), `cut_short` (fewer events than it
    had), or `rewritten` (a different hash at the checkpoint's sequence, or a change before it
    that broke the chain); any stream whose chain or cross-checks fail now is `broken`.
    """
    if not signature_valid(document):
        return Verdict(valid=False, signature_valid=False)
    marks = {name: head["sequence"] for name, head in document["streams"].items()}
    problems: list[Problem] = []
    reports = {}
    events = 0
    for report in verify_all(marks):
        reports[report.stream] = report
        events += report.events
    for name, head in sorted(document["streams"].items()):
        report = reports.get(name)
        sequence, expected = head["sequence"], head["hash"]
        stored = report.marks.get(sequence) if report is not None else None
        if report is None or (report.events == 0 and not report.marks):
            problems.append(
                Problem(
                    name,
                    GONE,
                    _("It had %(count)d events at the checkpoint and has none now.")
                    % {"count": sequence},
                )
            )
        elif stored is None:
            problems.append(
                Problem(
                    name,
                    CUT_SHORT,
                    _("It had %(count)d events at the checkpoint; event %(count)d is gone.")
                    % {"count": sequence},
                )
            )
        elif stored != expected or (
            not report.valid
            and report.first_invalid_sequence is not None
            and report.first_invalid_sequence <= sequence
        ):
            problems.append(
                Problem(
                    name,
                    REWRITTEN,
                    _("Event %(sequence)d is not the one the checkpoint recorded.")
                    % {"sequence": sequence}
                    if stored != expected
                    else _("Event %(sequence)d was changed (%(reason)s).")
                    % {"sequence": report.first_invalid_sequence, "reason": report.reason},
                )
            )
        elif not report.valid:
            problems.append(Problem(name, BROKEN, report.reason))
    for name, report in sorted(reports.items()):
        if name not in document["streams"] and not report.valid:
            problems.append(Problem(name, BROKEN, report.reason))
    return Verdict(
        valid=not problems,
        signature_valid=True,
        checkpoint_created_at=document.get("created_at"),
        streams_checked=len(reports),
        events_checked=events,
        problems=problems,
    )


_HEX = frozenset("0123456789abcdef")
MAX_STREAMS = 1_000_000


def _is_hash(value: Any) -> bool:
    return isinstance(value, str) and len(value) == 64 and set(value) <= _HEX


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**63


def document_errors(document: Any) -> dict[str, str]:
    """What is wrong with a checkpoint document's shape ({} when nothing): field by field."""
    if not isinstance(document, dict):
        return {"non_field_errors": _("A checkpoint is a JSON object.")}
    errors = {}
    expected = {"format", "created_at", "events", "streams", "signature"}
    for name in sorted(set(document) - expected):
        errors[name[:100]] = _("Unknown field: a checkpoint has only %(fields)s.") % {
            "fields": ", ".join(sorted(expected))
        }
    for name in sorted(expected - set(document)):
        errors[name] = _("This field is required.")
    if document.get("format", FORMAT) != FORMAT:
        errors["format"] = _("Must be %(format)s.") % {"format": FORMAT}
    created_at = document.get("created_at", "")
    if not isinstance(created_at, str) or not 0 < len(created_at) <= 40:
        errors["created_at"] = _("Must be the checkpoint's date-time, as it was written.")
    if not _is_count(document.get("events", 0)):
        errors["events"] = _("Must be a whole number of events.")
    if "signature" in document and not _is_hash(document["signature"]):
        errors["signature"] = _("Must be 64 lower-case hexadecimal characters (HMAC-SHA256).")
    streams = document.get("streams", {})
    if not isinstance(streams, dict) or len(streams) > MAX_STREAMS:
        errors["streams"] = _("Must be an object {stream: {sequence, hash}}.")
    else:
        for name, head in streams.items():
            if (
                len(name) > 100
                or "\x00" in name
                or not isinstance(head, dict)
                or set(head) != {"sequence", "hash"}
                or not _is_count(head["sequence"])
                or head["sequence"] < 1
                or not _is_hash(head["hash"])
            ):
                errors["streams"] = _(
                    'Stream %(stream)s: each stream maps to {"sequence": a whole number from 1, '
                    '"hash": 64 lower-case hexadecimal characters}.'
                ) % {"stream": json.dumps(name[:100])}
                break
    return errors
