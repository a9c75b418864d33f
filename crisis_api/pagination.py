"""Cursor pagination with a chosen ordering, a bounded page size and 400 on a bad cursor."""

import json
from base64 import b64decode, b64encode
from dataclasses import dataclass
from datetime import UTC, datetime

from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan, TupleLessThan
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, pagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from crisis_api.fields import integer_range

# A cursor is base64 of a small JSON object (its UTF-8 keeps a long non-ASCII name short).
CURSOR_KEYS = {"p", "r"}
MAX_CURSOR_LENGTH = 1000


@dataclass(frozen=True)
class Keyset:
    """Where a page starts: after `position` (before it when `reverse`), or at an end of the
    list when there is no position (the last page when `reverse`)."""

    reverse: bool
    position: tuple | None  # one value per ordering field, as the database compares them


class CursorPagination(pagination.CursorPagination):
    """Stable pages under concurrent writes, as fast 1,000 pages deep as on the first.

    A view names its orderings in `cursor_orderings` ({name: (field, tie-breaker…)}) and the
    default in `default_cursor_ordering`; the caller picks one with `?ordering=`. The fields
    are non-null, all sorted the same way, the id last, so the order is total.

    The cursor is a keyset: it holds every ordering field's value of the row a page ends on
    (or starts on, for `previous`), and the next page is the rows past it by a row comparison,
    `WHERE (field, id) > (value, id)`, which an index on (field, id) answers directly however
    many rows share the field's value (DRF's cursor holds the first field only and skips the
    rows tied on it with an OFFSET). A cursor is trusted only as far as each value is one the
    database can compare for its field (a 400 otherwise), and `page_size` outside
    1..max_page_size is a 400 where DRF would silently use the default.
    """

    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100
    ordering_param = "ordering"
    use_view_orderings = True
    example_url = "https://crisis.example.org/api/v1/items/"  # the schema's example links
    invalid_cursor_message = gettext_lazy(
        "Invalid cursor; follow the `next` or `previous` link of a page."
    )

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.page_size = self.get_page_size(request)
        self.base_url = request.build_absolute_uri()
        self.ordering = self.get_ordering(request, queryset, view)
        self._queryset = queryset  # the cursor's values are checked against its fields
        self.cursor = self.decode_cursor(request)
        reverse = self.cursor is not None and self.cursor.reverse
        position = self.cursor.position if self.cursor is not None else None

        ordering = _reversed(self.ordering) if reverse else self.ordering
        queryset = queryset.order_by(*ordering)
        if position is not None:
            queryset = queryset.filter(self._past(ordering, position))
        # One row more than the page says whether another page lies beyond it.
        rows = list(queryset[: self.page_size + 1])
        self.page = rows[: self.page_size]
        beyond = len(rows) > self.page_size
        if reverse:
            self.page.reverse()
            self.has_next, self.has_previous = position is not None, beyond
        else:
            self.has_next, self.has_previous = beyond, position is not None
        self.display_page_controls = self.has_next or self.has_previous
        return self.page

    def _past(self, ordering, position) -> models.Q | models.Lookup:
        """The rows after `position` in `ordering` (all its fields sorted the same way)."""
        names = [field.lstrip("-") for field in ordering]
        descending = ordering[0].startswith("-")
        if len(names) == 1:
            return models.Q(**{f"{names[0]}__{'lt' if descending else 'gt'}": position[0]})
        lookup = TupleLessThan if descending else TupleGreaterThan
        return lookup(Tuple(*(models.F(name) for name in names)), list(position))

    def get_next_link(self):
        if not self.has_next:
            return None
        if not self.page:  # nothing before a `previous` cursor: the list from its start
            return remove_query_param(self.base_url, self.cursor_query_param)
        return self.encode_cursor(Keyset(reverse=False, position=self._position(self.page[-1])))

    def get_previous_link(self):
        if not self.has_previous:
            return None
        # Nothing after a `next` cursor: the list's last page.
        position = self._position(self.page[0]) if self.page else None
        return self.encode_cursor(Keyset(reverse=True, position=position))

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not (
            raw.isascii()
            and raw.isdigit()
            and len(raw) <= 4
            and 1 <= int(raw) <= self.max_page_size
        ):
            raise exceptions.ValidationError(
                {
                    self.page_size_query_param: [
                        _("Give a whole number from 1 to %(max)d.") % {"max": self.max_page_size}
                    ]
                }
            )
        return int(raw)

    def get_ordering(self, request, queryset, view):
        orderings = self._orderings(view)
        if not orderings:
            return _one_way(super().get_ordering(request, queryset, view))
        name = request.query_params.get(self.ordering_param) or view.default_cursor_ordering
        if name not in orderings:
            raise exceptions.ValidationError(
                {
                    self.ordering_param: [
                        _("Unknown ordering '%(name)s'; use one of: %(orderings)s.")
                        % {"name": name[:50], "orderings": ", ".join(orderings)}
                    ]
                }
            )
        return _one_way(orderings[name])

    def _orderings(self, view) -> dict | None:
        return getattr(view, "cursor_orderings", None) if self.use_view_orderings else None

    def decode_cursor(self, request) -> Keyset | None:
        """The cursor's keyset, every value checked against its field; a 400 for anything
        this class did not write (DRF's decoder would read garbage as the first page)."""
        encoded = request.query_params.get(self.cursor_query_param)
        if not encoded:  # no cursor, or `?cursor=`: the first page
            return None
        try:
            if len(encoded) > MAX_CURSOR_LENGTH:
                raise ValueError("too long")
            tokens = json.loads(
                b64decode(encoded.encode("ascii"), validate=True).decode("utf-8"),
                object_pairs_hook=_unique_keys,
                parse_constant=_refuse_constant,
            )
            return self._keyset(tokens)
        # binascii.Error and JSONDecodeError are ValueErrors; the Django field's errors are
        # ValidationErrors; a date-time past year 9999 in UTC overflows; JSON nested as deep
        # as the length cap allows might reach the recursion limit.
        except (
            UnicodeError,
            ValueError,
            TypeError,
            OverflowError,
            RecursionError,
            DjangoValidationError,
        ):
            raise self._invalid_cursor() from None

    def _keyset(self, tokens) -> Keyset:
        if not isinstance(tokens, dict) or not tokens or not set(tokens) <= CURSOR_KEYS:
            raise ValueError("not a cursor this class writes")
        reverse = "r" in tokens
        if reverse and (type(tokens["r"]) is not int or tokens["r"] != 1):
            raise ValueError("`r` is 1 or absent")
        if "p" not in tokens:
            if not reverse:
                raise ValueError("without a position a cursor is the last page")
            return Keyset(reverse=True, position=None)
        texts, fields = tokens["p"], self._ordering_fields()
        if not isinstance(texts, list) or len(texts) != len(fields):
            raise ValueError("one value per ordering field")
        position = tuple(_value(field, text) for field, text in zip(fields, texts, strict=True))
        return Keyset(reverse=reverse, position=position)

    def encode_cursor(self, cursor: Keyset) -> str:
        tokens: dict = {}
        if cursor.position is not None:
            tokens["p"] = [_text(value) for value in cursor.position]
        if cursor.reverse:
            tokens["r"] = 1
        text = json.dumps(tokens, ensure_ascii=False, separators=(",", ":"))
        encoded = b64encode(text.encode("utf-8")).decode("ascii")
        return replace_query_param(self.base_url, self.cursor_query_param, encoded)

    def _position(self, row) -> tuple:
        names = [field.lstrip("-") for field in self.ordering]
        if isinstance(row, dict):
            return tuple(row[name] for name in names)
        return tuple(getattr(row, name) for name in names)

    def _invalid_cursor(self) -> exceptions.ValidationError:
        return exceptions.ValidationError({self.cursor_query_param: [self.invalid_cursor_message]})

    def _ordering_fields(self) -> list[models.Field]:
        fields = []
        for name in (field.lstrip("-") for field in self.ordering):
            try:
                fields.append(self._queryset.model._meta.get_field(name))
            except FieldDoesNotExist:
                fields.append(self._queryset.query.annotations[name].output_field)
        return fields

    def get_paginated_response_schema(self, schema):
        """DRF's envelope, its example links holding cursors of this class (DRF's own examples
        are offset cursors, which this class refuses)."""
        response = super().get_paginated_response_schema(schema)
        position = ["2026-11-25T10:00:00+00:00", "0b0e0c52-7c4c-4c55-9d1b-3a3c0f6a1e01"]
        for link, tokens in (("next", {"p": position}), ("previous", {"p": position, "r": 1})):
            cursor = b64encode(json.dumps(tokens, separators=(",", ":")).encode()).decode()
            response["properties"][link]["example"] = replace_query_param(
                self.example_url, self.cursor_query_param, cursor
            )
        return response

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
        orderings = self._orderings(view)
        if orderings:
            parameters.append(
                {
                    "name": self.ordering_param,
                    "required": False,
                    "in": "query",
                    "description": _("Result order (default `%(default)s`).")
                    % {"default": view.default_cursor_ordering},
                    "schema": {"type": "string", "enum": list(orderings)},
                }
            )
        return parameters


def _reversed(ordering) -> tuple[str, ...]:
    return tuple(field[1:] if field.startswith("-") else f"-{field}" for field in ordering)


def _one_way(ordering) -> tuple[str, ...]:
    """`ordering`, whose fields must all sort the same way for a row comparison to follow it."""
    ordering = (ordering,) if isinstance(ordering, str) else tuple(ordering)
    if len({field.startswith("-") for field in ordering}) != 1:
        raise ImproperlyConfigured(
            f"Cursor ordering {ordering} mixes ascending and descending fields."
        )
    return ordering


def _unique_keys(pairs) -> dict:
    keys = [key for key, _value in pairs]
    if len(keys) != len(set(keys)):
        raise ValueError("a repeated key")
    return dict(pairs)


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def _text(value) -> str:
    """A position's value as the cursor holds it (date-times with their offset)."""
    return value.isoformat() if isinstance(value, datetime) else str(value)


def _value(field: models.Field, text):
    """The cursor's text as a value of `field` that the database can compare.

    ValueError (or the field's ValidationError) unless it is one: date-times carry their
    offset, integers fit the column, text holds no NUL and encodes as UTF-8 (PostgreSQL takes
    neither a NUL nor a lone surrogate).
    """
    if not isinstance(text, str):
        raise ValueError("the cursor's values are strings")
    text.encode("utf-8")
    if "\x00" in text:
        raise ValueError("PostgreSQL cannot compare text holding NUL")
    value = field.to_python(text)
    if isinstance(field, models.DateTimeField):
        if not isinstance(value, datetime) or timezone.is_naive(value):
            raise ValueError("a cursor's date-time carries its offset")
        return value.astimezone(UTC)
    if isinstance(field, models.IntegerField):
        low, high = integer_range(field)
        if not low <= value <= high:
            raise ValueError("out of the column's range")
    return value


class EventCursorPagination(CursorPagination):
    """Events of one stream, oldest first (sequence is unique within a stream)."""

    ordering = ("sequence",)
    use_view_orderings = False


class CappedPagePagination(pagination.BasePagination):
    """Numbered pages of a ranked list, the first `max_pages` of them only.

    For lists ordered by what a cursor cannot hold (a relevance rank computed per query):
    `?page=` from 1 to `max_pages`, `?page_size=` from 1 to `max_page_size`, anything else a
    400. One query per page, whatever its size: a row beyond the page says whether another
    follows; nothing is counted. The envelope is the cursor pages' (`next`, `previous`,
    `results`).
    """

    page_size = 20
    max_page_size = 50
    max_pages = 10
    page_query_param = "page"
    page_size_query_param = "page_size"
    beyond_last_page_hint = ""
    example_url = "https://crisis.example.org/api/v1/items/"  # the schema's example links

    def _bounded(self, request, name: str, high: int, default: int) -> int:
        raw = request.query_params.get(name)
        if raw is None:
            return default
        if not (raw.isascii() and raw.isdigit() and len(raw) <= 4 and 1 <= int(raw) <= high):
            message = _("Give a whole number from 1 to %(max)d.") % {"max": high}
            if name == self.page_query_param and self.beyond_last_page_hint:
                message = f"{message} {self.beyond_last_page_hint}"
            raise exceptions.ValidationError({name: [message]})
        return int(raw)

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        size = self._bounded(request, self.page_size_query_param, self.max_page_size,
                             self.page_size)  # fmt: skip
        self.page = self._bounded(request, self.page_query_param, self.max_pages, 1)
        start = (self.page - 1) * size
        rows = list(queryset[start : start + size + 1])
        self.has_next = len(rows) > size and self.page < self.max_pages
        return rows[:size]

    def _link(self, page: int | None) -> str | None:
        if page is None:
            return None
        url = self.request.build_absolute_uri()
        if page == 1:
            return remove_query_param(url, self.page_query_param)
        return replace_query_param(url, self.page_query_param, page)

    def get_paginated_response(self, data):
        return Response(
            {
                "next": self._link(self.page + 1 if self.has_next else None),
                "previous": self._link(self.page - 1 if self.page > 1 else None),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        link = {"type": "string", "format": "uri", "nullable": True}
        return {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {
                "next": {**link, "example": f"{self.example_url}?page=3"},
                "previous": {**link, "example": f"{self.example_url}?page=1"},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.page_query_param,
                "required": False,
                "in": "query",
                "description": _("Page number, from 1 to %(max)d.") % {"max": self.max_pages},
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_pages},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": _("Results per page (default %(default)d).")
                % {"default": self.page_size},
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
            },
        ]
