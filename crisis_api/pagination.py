"""Cursor pagination with a chosen ordering, a bounded page size and 400 on a bad cursor."""

from base64 import b64decode
from datetime import UTC
from urllib import parse

from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, pagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from crisis_api.fields import integer_range

# What DRF puts in a cursor: offset, reverse, position.
CURSOR_KEYS = {"o", "r", "p"}
MAX_CURSOR_LENGTH = 1000


class CursorPagination(pagination.CursorPagination):
    """Stable pages under concurrent writes.

    A view names its orderings in `cursor_orderings` ({name: (field, tie-breaker…)}) and the
    default in `default_cursor_ordering`; the caller picks one with `?ordering=`. The first
    field must be non-null; the id breaks ties so the order is total.

    A cursor is only trusted as far as its position is a value of the ordering field that the
    database can compare (a 400 otherwise), and `page_size` outside 1..max_page_size is a 400
    where DRF would silently use the default.
    """

    page_size = 25
    # A cursor is a position (the ordering field's value) and an offset among the rows that
    # share it. DRF caps that offset at 1,000, after which `next` repeats the same page
    # forever when more rows tie (every incident without a deadline sorts at one value);
    # this raises the cap to a million ties, each page skipping them with an OFFSET.
    offset_cutoff = 1_000_000
    page_size_query_param = "page_size"
    max_page_size = 100
    ordering_param = "ordering"
    use_view_orderings = True
    invalid_cursor_message = gettext_lazy(
        "Invalid cursor; follow the `next` or `previous` link of a page."
    )

    def paginate_queryset(self, queryset, request, view=None):
        self._queryset = queryset  # the cursor's position is checked against its fields
        return super().paginate_queryset(queryset, request, view)

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
            return super().get_ordering(request, queryset, view)
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
        return orderings[name]

    def _orderings(self, view) -> dict | None:
        return getattr(view, "cursor_orderings", None) if self.use_view_orderings else None

    def decode_cursor(self, request):
        encoded = request.query_params.get(self.cursor_query_param)
        if encoded is not None and not self._well_formed(encoded):
            raise self._invalid_cursor()
        try:
            cursor = super().decode_cursor(request)
        except exceptions.NotFound:
            raise self._invalid_cursor() from None
        if cursor is not None and cursor.position is not None:
            self._check_position(cursor.position)
        return cursor

    @staticmethod
    def _well_formed(encoded: str) -> bool:
        """Strict base64 of a query string with only DRF's own keys, each at most once.

        DRF's decoder skips what it does not understand, so garbage would read as the first
        page and a repeated key as its first value.
        """
        if len(encoded) > MAX_CURSOR_LENGTH:
            return False
        try:
            text = b64decode(encoded.encode("ascii"), validate=True).decode("ascii")
            pairs = parse.parse_qsl(text, keep_blank_values=True, strict_parsing=bool(text))
        except (UnicodeError, ValueError):  # binascii.Error is a ValueError
            return False
        keys = [key for key, _value in pairs]
        return (
            len(keys) == len(set(keys))
            and set(keys) <= CURSOR_KEYS
            and (dict(pairs).get("r", "1") in ("0", "1"))
        )

    def _invalid_cursor(self) -> exceptions.ValidationError:
        return exceptions.ValidationError({self.cursor_query_param: [self.invalid_cursor_message]})

    def _check_position(self, position: str) -> None:
        """A 400 unless the position is a value of the ordering field that the database takes.

        DRF compares positions as strings, so the cursor keeps the original text.
        """
        field = self._ordering_field()
        try:
            value = field.to_python(position)
            if isinstance(field, models.DateTimeField):
                if value is None or timezone.is_naive(value):
                    raise ValueError("a cursor's date-time carries its offset")
                value = value.astimezone(UTC)
            elif isinstance(field, models.IntegerField):
                low, high = integer_range(field)
                if not low <= value <= high:
                    raise ValueError("out of the column's range")
            elif isinstance(value, str) and "\x00" in value:
                raise ValueError("PostgreSQL cannot compare text holding NUL")
        except (DjangoValidationError, ValueError, TypeError, OverflowError):
            raise self._invalid_cursor() from None

    def _ordering_field(self) -> models.Field:
        name = self.ordering[0].lstrip("-")
        try:
            return self._queryset.model._meta.get_field(name)
        except FieldDoesNotExist:
            return self._queryset.query.annotations[name].output_field

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
