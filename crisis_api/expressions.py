"""SQL expressions the areas share."""

from django.db.models import F, JSONField, QuerySet, Subquery

_VALUE = "json_list_value"


class _JSONAggregate(Subquery):
    """A subquery's rows aggregated into one JSON list, a column of the outer query (an empty
    list over no rows): each row's element is `element(connection)`, over `json_rows`."""

    output_field = JSONField()

    def element(self, connection) -> str:
        raise NotImplementedError

    def as_sql(self, compiler, connection, template=None, **extra):
        element = self.element(connection)
        aggregate = (
            f"COALESCE(JSONB_AGG({element}), '[]'::jsonb)"
            if connection.vendor == "postgresql"
            else f"JSON_GROUP_ARRAY({element})"
        )
        template = f"(SELECT {aggregate} FROM (%(subquery)s) json_rows)"
        return super().as_sql(compiler, connection, template=template, **extra)


class JSONList(_JSONAggregate):
    """`column` of `queryset`'s rows, in its order, as a JSON list: one column of the outer
    query instead of one more query (an empty list over no rows).

    The rows are aggregated from an ordered subquery, which both databases read in order.
    `limit` bounds them: an ordered subquery must be sliced, or Django drops its ORDER BY.
    """

    def __init__(self, queryset: QuerySet, column: str, *, limit: int):
        rows = queryset.annotate(**{_VALUE: F(column)}).values(_VALUE)[:limit]
        super().__init__(rows)

    def element(self, connection) -> str:
        return f"json_rows.{connection.ops.quote_name(_VALUE)}"


class JSONRows(_JSONAggregate):
    """The rows of `queryset` (a values() queryset: grouped and aggregated, for instance) as a
    JSON list of arrays of its `columns`, in no particular order: one column of the outer query
    instead of one more query (an empty list over no rows)."""

    def __init__(self, queryset: QuerySet, columns: tuple[str, ...]):
        self.columns = columns
        super().__init__(queryset.values(*columns))

    def element(self, connection) -> str:
        values = ", ".join(f"json_rows.{connection.ops.quote_name(c)}" for c in self.columns)
        return (
            f"JSONB_BUILD_ARRAY({values})"
            if connection.vendor == "postgresql"
            else f"JSON_ARRAY({values})"
        )
