"""A JSON body parser that refuses deep nesting before parsing, and anything but UTF-8 JSON."""

import json
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
            return json.loads(text, parse_constant=strict_constant)
        except ValueError as exc:
            raise ParseError(
                _("The body is not valid JSON (%(error)s); fix it and send it again.")
                % {"error": exc}
            ) from None
