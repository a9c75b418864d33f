"""Index kinds that PostgreSQL has and SQLite has not, declared once on the models.

The migrations and `makemigrations --check` see them like any index; on SQLite (development
and tests) each one is a plain index of the same name, so that creating, dropping and
rebuilding the table work there too.
"""

from django.db import models


class SubstringIndex(models.Index):
    """A trigram index (pg_trgm) for case-insensitive substring search on one text column.

    Its expression is the one Django's `icontains` compares on PostgreSQL,
    `UPPER(column::text) LIKE UPPER('%…%')`, so the planner answers those filters from it;
    the migration that adds one creates the extension first (TrigramExtension).
    """

    def __init__(self, *, field: str, name: str):
        super().__init__(fields=[field], name=name)

    def deconstruct(self):
        path, _args, _kwargs = super().deconstruct()
        return path, (), {"field": self.fields[0], "name": self.name}

    def create_sql(self, model, schema_editor, using="", **kwargs):
        if schema_editor.connection.vendor != "postgresql":
            return super().create_sql(model, schema_editor, using=using, **kwargs)
        quote = schema_editor.quote_name
        column = model._meta.get_field(self.fields[0]).column
        return (
            f"CREATE INDEX {quote(self.name)} ON {quote(model._meta.db_table)} "
            f"USING gin ((UPPER({quote(column)}::text)) gin_trgm_ops)"
        )


class CoveringIndex(models.Index):
    """A B-tree index of `fields` that also holds the `covering` fields' values (PostgreSQL's
    INCLUDE), so that a query reading only those is answered from the index alone, without
    reading the table's rows (an index-only scan). On SQLite, a plain index of `fields`
    (Django's own `include` would warn there that SQLite ignores it)."""

    def __init__(self, *, fields, covering, name: str):
        super().__init__(fields=fields, name=name)
        self.covering = tuple(covering)

    def deconstruct(self):
        path, _args, _kwargs = super().deconstruct()
        return path, (), {"fields": self.fields, "covering": self.covering, "name": self.name}

    def create_sql(self, model, schema_editor, using="", **kwargs):
        if schema_editor.connection.vendor != "postgresql":
            return super().create_sql(model, schema_editor, using=using, **kwargs)
        index = models.Index(fields=self.fields, include=self.covering, name=self.name)
        return index.create_sql(model, schema_editor, using=using, **kwargs)
