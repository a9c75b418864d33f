"""The reviews' full-text index over the stored document (PostgreSQL only).

Migration 0007 indexed the document's expression, two to_tsvector over the whole text; the
search matched against that expression. When a common word's matches overflow the bitmap of
work_mem, PostgreSQL checks every row of the lossy pages again, computing the expression for
each one: at a million incidents, a word 177,000 reviews hold took about 21 s. Indexing the
column migration 0009 stores (the same document, computed once when the review is written)
makes that check a read of the row, and the search matches against the column.
"""

from importlib import import_module

from django.db import migrations

TABLE = "incidents_incidentreview"
INDEX = "incident_review_document"
OLD_INDEX = "incident_review_search"


def index_the_column(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON {TABLE} USING GIN (search_document)"
        )
        schema_editor.execute(f"DROP INDEX IF EXISTS {OLD_INDEX}")


def index_the_expression(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        import_module("incidents.migrations.0007_review_search_index").create_index(
            apps, schema_editor
        )
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("incidents", "0011_review_search_document_inline")]

    operations = [migrations.RunPython(index_the_column, index_the_expression, elidable=False)]
