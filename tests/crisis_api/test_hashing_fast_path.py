"""The fast canonical encoding (orjson) gives exactly the json module's bytes, and the
verification's hash of a stored event is the hash it was appended with."""

import json
import math

import pytest
from django.core.management import call_command

from crisis_api.events.hashing import _CANONICAL, canonical_bytes, hash_of, stored_event_hash
from crisis_api.events.verification import _rows, events_expected, verify_all
from crisis_api.models import Event

PAYLOADS = [
    {}, {"a": 1}, {"b": [1, "x", None, True, False], "a": {"z": {}, "y": []}},
    {"é": "ü", "😀": "\u2028\u2029\x7f\x00\x1f\"\\/", "Z": -5, "a": 2**63 - 1},
    {"big": 2**64}, {"neg": -(2**63) - 1}, {"f": 1.0}, {"f": 1e-05}, {"f": 1e16},
    {"f": [0.1, {"g": -0.0}]}, {"nan": math.nan}, {"inf": -math.inf}, {1: "int key"},
    {"t": (1, 2)}, {"s": "lone \ud800"}, {"deep": [[[[{"a": [["x"]]}]]]]},
    {"signals": [f"5f0c8d1e-2b7a-4c61-9d0e-{n:012d}" for n in range(500)], "count": 500},
]  # fmt: skip


@pytest.mark.parametrize("payload", PAYLOADS)
def test_canonical_bytes_are_the_json_modules(payload):
    fields = {"stream": "incident:x", "sequence": 3, "changes": payload, "data": {"n": 1}}
    try:
        expected = _CANONICAL.encode(fields).encode()
    except UnicodeEncodeError:
        with pytest.raises(UnicodeEncodeError):
            canonical_bytes(fields)
        return
    assert canonical_bytes(fields) == expected


@pytest.mark.parametrize("payload", [p for p in PAYLOADS if "s" not in p])
def test_the_hash_from_stored_text_is_the_hash_of_the_event(payload):
    """stored_event_hash reads the JSON text as Django's JSONField would (json.loads)."""
    event = Event(
        stream="s", sequence=1, at=Event._meta.get_field("at").to_python("2026-11-25T10:00Z"),
        actor_id=None, action="a", from_status="", to_status="", note="n", request_id="r",
        prev_hash="0" * 64, changes=json.loads(json.dumps(payload)), data={"x": [1, 2]},
    )  # fmt: skip
    expected = hash_of(event)
    texts = [json.dumps(payload), json.dumps(payload, separators=(",", ":"))]
    for text in texts:
        assert stored_event_hash("s", 1, event.at, None, "a", "", "", text, "n",
                                 '{"x": [1, 2]}', "r", "0" * 64) == expected  # fmt: skip


def test_verification_recomputes_every_stored_hash(make_incident):
    """What the database gives back (timestamps as text on PostgreSQL, JSON as text) hashes to
    what was appended, for every event of real timelines."""
    for status in ("resolved", "reviewed", "detected"):
        make_incident(status)
    rows = list(_rows(Event.objects.order_by("stream", "sequence"), "stream", "hash"))
    assert len(rows) > 10
    for stream, stored_hash, *fields in rows:
        assert stored_event_hash(stream, *fields[:-1]) == stored_hash


def test_verify_all_reports_progress_up_to_the_events_expected(make_incident):
    make_incident("resolved")
    make_incident()
    told = []
    reports = list(verify_all(progress=told.append))
    assert all(report.valid for report in reports)
    assert sum(told) == sum(report.events for report in reports) == events_expected()


def test_verify_audit_draws_no_progress_bar_when_not_on_a_terminal(make_incident, capsys):
    make_incident("resolved")
    call_command("verify_audit")
    captured = capsys.readouterr()
    assert "OK: " in captured.out and "events/s" in captured.out
    assert captured.err == ""
