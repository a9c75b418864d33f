"""A JSON body parser that refuses deep nesting before parsing, and anything but UTF-8 JSON."""

import json
import math
import re

from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser
from rest_framework.utils.json import strict_constant

# No request body of this API nests deeper; Python's json recurses once per level.
MAX_JSON_DEPTH = 32
# A JSON string (escapes included), and the brackets that open and close a level.
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(r"[\[\]{}]")
# A \uD800-\uDFFF escape: half of a surrogate pair, or (alone) not a character at all.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def json_depth_exceeds(text: str, limit: int) -> bool:
    """True when arrays and objects in `text` nest deeper than `limit`.

    Counted outside strings and without recursion, so a body of 100,000 `[` is refused in
    linear time instead of raising RecursionError inside `json.loads`.
    """
    depth = 0
    for bracket in _BRACKETS.findall(_JSON_STRING.sub("", text)):
        if bracket in "[{":
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


class BoundedJSONParser(JSONParser):
    """DRF's JSON parser, but: UTF-8 only, nesting at most MAX_JSON_DEPTH, no NaN or Infinity."""

    max_depth = MAX_JSON_DEPTH

    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read() if stream is not None else b""
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise ParseError(_("The body is not UTF-8; send JSON encoded in UTF-8.")) from None
        if json_depth_exceeds(text, self.max_depth):
            raise ParseError(
                _("The JSON body nests deeper than %(depth)d levels; send a flatter document.")
                % {"depth": self.max_depth}
            )
        try:
            data = json.loads(
                text,
                parse_constant=strict_constant,
                parse_float=_finite_float,
                object_pairs_hook=_object_without_repeats,
            )
        except _RepeatedKey as exc:
            raise ParseError(
                _('The key "%(key)s" appears twice in one object; send it once.')
                % {"key": exc.key[:100]}
            ) from None
        except json.JSONDecodeError as exc:  # where, not Python's English words for what
            raise ParseError(
                _(
                    "The body is not valid JSON (line %(line)d, column %(column)d); fix it and "
                    "send it again."
                )
                % {"line": exc.lineno, "column": exc.colno}
            ) from None
        except ValueError:  # NaN or Infinity, an integer of thousands of digits
            raise ParseError(
                _(
                    "The body is not valid JSON: NaN, Infinity and numbers of thousands of "
                    "digits are refused; fix it and send it again."
                )
            ) from None
        if _SURROGATE_ESCAPE.search(text) and _has_lone_surrogate(data):
            raise ParseError(
                _(
                    "The body holds a \\u escape of half a surrogate pair, which is not a "
                    "character; send the whole pair, or the character itself in UTF-8."
                )
            )
        return data


class _RepeatedKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _object_without_repeats(pairs: list[tuple[str, object]]) -> dict:
    """A JSON object, refusing a key given twice (json would silently keep the last)."""
    result = dict(pairs)
    if len(result) != len(pairs):
        seen = set()
        for key, _value in pairs:
            if key in seen:
                raise _RepeatedKey(key)
            seen.add(key)
    return result


def _has_lone_surrogate(value) -> bool:
    """True when a string of `value` (keys included) holds a surrogate that pairs with none
    (json.loads accepts it; it cannot be stored or sent as UTF-8)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _finite_float(text: str) -> float:
    """A JSON number with a fraction or exponent, refused when it overflows to infinity
    (1e999): JSON has no infinity, and no database column takes one."""
    value = float(text)
    if math.isinf(value):
        raise ValueError("number out of range")
    return value
