"""Cursor pagination with a chosen ordering, a capped page size and 400 on a bad cursor."""

from rest_framework import exceptions, pagination


class CursorPagination(pagination.CursorPagination):
    """Stable pages under concurrent writes.

    A view names its orderings in `cursor_orderings` ({name: (field, tie-breaker…)}) and the
    default in `default_cursor_ordering`; the caller picks one with `?ordering=`. The first
    field must be non-null; the id breaks ties so the order is total.
    """

    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100
    ordering_param = "ordering"
    use_view_orderings = True
    invalid_cursor_message = "Invalid cursor; follow the `next` or `previous` link of a page."

    def get_ordering(self, request, queryset, view):
        orderings = self._orderings(view)
        if not orderings:
            return super().get_ordering(request, queryset, view)
        name = request.query_params.get(self.ordering_param) or view.default_cursor_ordering
        if name not in orderings:
            raise exceptions.ValidationError(
                {
                    self.ordering_param: [
                        f"Unknown ordering {name!r}; use one of: {', '.join(orderings)}."
                    ]
                }
            )
        return orderings[name]

    def _orderings(self, view) -> dict | None:
        return getattr(view, "cursor_orderings", None) if self.use_view_orderings else None

    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except exceptions.NotFound:
            raise exceptions.ValidationError(
                {self.cursor_query_param: [self.invalid_cursor_message]}
            ) from None

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        orderings = self._orderings(view)
        if orderings:
            parameters.append(
                {
                    "name": self.ordering_param,
                    "required": False,
                    "in": "query",
                    "description": f"Result order (default `{view.default_cursor_ordering}`).",
                    "schema": {"type": "string", "enum": list(orderings)},
                }
            )
        return parameters


class EventCursorPagination(CursorPagination):
    """Events of one stream, oldest first (sequence is unique within a stream)."""

    ordering = ("sequence",)
    use_view_orderings = False
