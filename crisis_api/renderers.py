"""DRF's JSON renderer, through orjson: the same bytes, several times faster.

A list of fifty incidents spends a few milliseconds in `json.dumps`; orjson writes the same
compact UTF-8 in a fraction of that. Whatever orjson would write differently goes through
DRF's own encoder: date-times, dates, times and dataclasses (DRF's text), lazy translations,
decimals and the rest of what `JSONEncoder.default` knows; anything orjson refuses (an integer
beyond 64 bits, a key that is not a string, text that is not valid Unicode) falls back to
DRF's renderer whole, and so does an indented answer (`Accept: application/json; indent=2`).
U+2028 and U+2029 are escaped as DRF escapes them. Two differences are left: a float with an
exponent is written `1e16` rather than `1e+16` (the same number), and a NaN is `null` where
DRF's strict renderer would fail.
"""

import orjson
from rest_framework.renderers import JSONRenderer

_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
_LINE_SEPARATORS = ((b"\xe2\x80\xa8", b"\\u2028"), (b"\xe2\x80\xa9", b"\\u2029"))


class FastJSONRenderer(JSONRenderer):
    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        if self.ensure_ascii or not self.compact:
            return super().render(data, accepted_media_type, renderer_context)
        if self.get_indent(accepted_media_type, renderer_context or {}) is not None:
            return super().render(data, accepted_media_type, renderer_context)
        try:
            rendered = orjson.dumps(data, default=self.encoder_class().default, option=_OPTIONS)
        except TypeError:  # orjson.JSONEncodeError: what only DRF's encoder may write
            return super().render(data, accepted_media_type, renderer_context)
        if b"\xe2\x80" in rendered:
            for raw, escaped in _LINE_SEPARATORS:
                rendered = rendered.replace(raw, escaped)
        return rendered
