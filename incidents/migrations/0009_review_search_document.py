"""The reviews' search document stored beside them (PostgreSQL only; SQLite searches more simply).

Migration 0007's GIN index finds the matching reviews; ranking them needs each match's
document, which PostgreSQL would otherwise compute again (two to_tsvector over the whole text)
for every match: 22,000 matches of a common word took 18 s. A generated column holds the same
document, computed once when the review is written; incidents.reviews.selectors ranks by it.
The models do not declare it (SQLite has no tsvector); PostgreSQL fills it on every insert.
"""

from importlib import import_module

from django.db import migrations

COLUMN = "search_document"
DOCUMENT = import_module("incidents.migrations.0007_review_search_index").DOCUMENT


def add_column(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"ALTER TABLE incidents_incidentreview ADD COLUMN IF NOT EXISTS {COLUMN} tsvector "
            f"GENERATED ALWAYS AS ({DOCUMENT}) STORED"
        )


def drop_column(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"ALTER TABLE incidents_incidentreview DROP COLUMN IF EXISTS {COLUMN}"
        )


class Migration(migrations.Migration):
    dependencies = [("incidents", "0008_scale_indexes")]

    operations = [migrations.RunPython(add_column, drop_column, elidable=False)]
