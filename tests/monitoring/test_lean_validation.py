"""The lean validation of a batch gives exactly what the fields give, or gives up.

A batch of plainly valid signals skips DRF's field-by-field validation (most of its cost); any
value the lean checks are not sure of sends the whole batch through the fields, which word
the errors. So the lean path may refuse too much, never too little, and never changes a value.
"""

import itertools
import math
import sys
import unicodedata
from datetime import UTC, datetime, timedelta

import pytest

from crisis_api.fields import has_control_characters
from incidents.models import Channel
from incidents.monitoring import models as m
from incidents.monitoring.api.serializers import (
    _NOT_SINGLE_LINE,
    SignalBatchInputSerializer,
    SignalInputSerializer,
    _lean_batch,
    _lean_item,
)

NOW = datetime.now(UTC)
BASE = {
    "platform": "x",
    "observed_at": (NOW - timedelta(minutes=5)).isoformat(),
    "content": "Livraison perdue encore une fois, personne ne répond",
}
STRINGS = [
    "", " ", "a", " a ", "\ta\n", "a\tb", "a\nb", "a\x00b", "\x00", "a\x85", "\x85", "a\u2028b",
    "\u2028", "a\u202eb", "\ufeffa", "a\ud800", "\udfff", "é", "😀", "\u200f@fr", "\u3164",
    "\u2800", "\u00a0", "a\x7f", "a\x9f", "a\xa0", "x" * m.HANDLE_MAX_LENGTH,
    "x" * (m.HANDLE_MAX_LENGTH + 1), " " + "x" * m.HANDLE_MAX_LENGTH + " ",
    "y" * m.CONTENT_MAX_LENGTH, "y" * (m.CONTENT_MAX_LENGTH + 1), "fr", "FR-fr", "en_US", "f",
    "https://example.com/a?b=1", "http://example.com:99999/", "ftp://example.com",
    "9b2f0c1e-6a57-4a39-9a51-1f1c8d3c2a10", "2026-11-25T10:00:00+01:00", "2026-11-25T10:00:00",
    "tiktok", "TikTok",
]  # fmt: skip
OTHERS = [
    None, 0, 1, -1, 2, 0.5, -1.0, 1.0, 1.0000001, -0.0, True, False, math.nan, math.inf, 2**53,
    2**53 + 1, m.AUDIENCE_MAX, m.AUDIENCE_MAX + 1, 10**30, [], {}, {"a": 1}, {"a": "\x00"},
    {"a": "x" * m.RAW_MAX_BYTES}, ["a"],
]  # fmt: skip
FIELDS = list(SignalInputSerializer().fields)


def full(item):
    """What the fields make of one item: (True, value) or (False, errors)."""
    serializer = SignalInputSerializer(data=item)
    if serializer.is_valid():
        return True, dict(serializer.validated_data)
    return False, serializer.errors


def lean(item):
    fields = SignalInputSerializer().fields
    return _lean_item(item, fields, set(Channel.values))


@pytest.mark.parametrize("name", [*FIELDS, "unknown"])
def test_the_lean_path_accepts_only_what_the_fields_accept_with_the_same_value(name):
    accepted = 0
    for raw in itertools.chain(STRINGS, OTHERS):
        item = {**BASE, name: raw}
        value = lean(item)
        if value is None:
            continue
        accepted += 1
        valid, expected = full(item)
        assert valid, (name, raw, expected)
        assert value == expected, (name, raw)
        assert list(value) == list(expected)  # in the fields' order too
    if name != "unknown":
        assert accepted  # the lean path is taken for some value of every field


@pytest.mark.parametrize("name", ["platform", "observed_at", "content"])
def test_a_missing_required_field_leaves_the_lean_path(name):
    item = {key: value for key, value in BASE.items() if key != name}
    assert lean(item) is None
    assert not full(item)[0]


def test_the_lean_path_refuses_every_character_a_single_line_refuses():
    """The pattern matches has_control_characters over all of Unicode (and refuses the NUL and
    surrogates every CharField refuses)."""
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        refused = has_control_characters(char) or code == 0 or 0xD800 <= code <= 0xDFFF
        assert bool(_NOT_SINGLE_LINE.search(char)) == refused, hex(code)
    assert unicodedata.category("\u2028") == "Zl"


def test_a_batch_takes_the_lean_path_only_when_every_item_does():
    good = dict(BASE, author="@a", reach=3, sentiment=-0.5, group_key="k", external_id="1")
    assert _lean_batch({"signals": [good, good]}, SignalInputSerializer()) is not None
    for bad in [{"signals": [good, {**good, "reach": -1}]}, {"signals": []},
                {"signals": [good], "other": 1}, {"signals": good}, [good], None,
                {"signals": [good] * 501}]:  # fmt: skip
        assert _lean_batch(bad, SignalInputSerializer()) is None


def test_one_bad_item_gives_the_same_errors_as_the_fields(rf):
    """The batch falls back to the fields, which word every error by index."""
    good = dict(BASE, author="@a")
    data = {"signals": [good, {**good, "author": "a\nb", "reach": True}, good]}
    serializer = SignalBatchInputSerializer(data=data, context={"request": rf.post("/")})
    assert not serializer.is_valid()
    assert set(serializer.errors["signals"]) == {1}
    assert set(serializer.errors["signals"][1]) == {"author", "reach"}
