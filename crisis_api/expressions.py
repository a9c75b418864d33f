"""SQL expressions the areas share."""

from django.db.models import Exists, F, JSONField, QuerySet, Subquery

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


class RowwiseExists(Exists):
    """`Exists`, checked row by row: for a query that reads a page (a LIMIT) or one row.

    PostgreSQL may turn an EXISTS into a hashed subplan, which reads every row the subquery
    could match before the first outer row is checked: for a page of 25 incidents, hashing the
    3,900 a user takes part in took 3.8 ms where the few checks take 0.05. An OFFSET 0 keeps the
    subquery as it is (PostgreSQL does not hash one that has an OFFSET). Queries that check
    every row (counts, aggregates) keep `Exists`, whose hash pays there.
    """

    def as_sql(self, compiler, connection, template=None, **extra_context):
        if connection.vendor == "postgresql":
            template = "EXISTS(%(subquery)s OFFSET 0)"
        return super().as_sql(compiler, connection, template=template, **extra_context)
