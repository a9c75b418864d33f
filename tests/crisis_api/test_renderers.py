"""The orjson renderer writes the bytes DRF's JSONRenderer writes."""

import dataclasses
import uuid
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal

import pytest
from django.utils.translation import gettext_lazy
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.serializer_helpers import ReturnDict, ReturnList

from crisis_api.renderers import FastJSONRenderer


@dataclasses.dataclass
class Point:
    x: int


PARIS = timezone(timedelta(hours=1))
CASES = {
    "text": {"fr": "Évènement « grave » — ok", "quote": 'a "b" \\ c', "control": "a\x00b\nc\t"},
    "line separators": ["a\u2028b", "c\u2029d"],
    "numbers": [0, -1, 2**63 - 1, -(2**63), 1.5, 0.1, -0.0, True, False, None],
    "beyond 64 bits": [2**64, -(2**70)],
    "date-times": [
        datetime(2026, 11, 26, 4, 5, 6, tzinfo=UTC),
        datetime(2026, 11, 26, 4, 5, 6, 789, tzinfo=PARIS),
        datetime(2026, 11, 26, 4, 5, 6),
    ],
    "dates and times": [date(2026, 1, 2), time(3, 4, 5), time(3, 4, 5, 6), timedelta(hours=1)],
    "decimals, ids, lazy text": [Decimal("10.50"), uuid.UUID(int=7), gettext_lazy("reach")],
    "nested": ReturnDict({"a": ReturnList([{"b": (1, 2)}], serializer=None)}, serializer=None),
    "keys that are not text": {1: "one", None: "none"},
    "dataclass": {"point": Point(1)},
    "empty": [{}, [], ""],
}


@pytest.mark.parametrize("name", CASES)
def test_the_same_bytes_as_drfs_renderer(name):
    data = CASES[name]
    try:
        expected = JSONRenderer().render(data)
    except TypeError:
        with pytest.raises(TypeError):
            FastJSONRenderer().render(data)
        return
    assert FastJSONRenderer().render(data) == expected


def test_nothing_and_an_indented_answer_as_drf():
    assert FastJSONRenderer().render(None) == b""
    data = {"a": [1, {"b": "é"}]}
    indented = "application/json; indent=2"
    assert FastJSONRenderer().render(data, indented) == JSONRenderer().render(data, indented)
    assert b"\n" in FastJSONRenderer().render(data, indented)


def test_text_that_is_not_unicode_fails_as_with_drf():
    with pytest.raises(UnicodeEncodeError):
        JSONRenderer().render({"a": "\ud800"})
    with pytest.raises(UnicodeEncodeError):
        FastJSONRenderer().render({"a": "\ud800"})
