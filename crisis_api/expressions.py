"""SQL expressions the areas share."""

from django.db.models import F, JSONField, QuerySet, Subquery

_VALUE = "json_list_value"


class JSONList(Subquery):
    """`column` of `queryset`'s rows, in its order, as a JSON list: one column of the outer
    query instead of one more query (an empty list over no rows).

    The rows are aggregated from an ordered subquery, which both databases read in order.
    `limit` bounds them: an ordered subquery must be sliced, or Django drops its ORDER BY.
    """

    output_field = JSONField()

    def __init__(self, queryset: QuerySet, column: str, *, limit: int):
        rows = queryset.annotate(**{_VALUE: F(column)}).values(_VALUE)[:limit]
        super().__init__(rows)

    def as_sql(self, compiler, connection, template=None, **extra):
        value = f"json_rows.{connection.ops.quote_name(_VALUE)}"
        aggregate = (
            f"COALESCE(JSONB_AGG({value}), '[]'::jsonb)"
            if connection.vendor == "postgresql"
            else f"JSON_GROUP_ARRAY({value})"
        )
        template = f"(SELECT {aggregate} FROM (%(subquery)s) json_rows)"
        return super().as_sql(compiler, connection, template=template, **extra)
