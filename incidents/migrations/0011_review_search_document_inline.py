"""The reviews' stored search document kept in the row (PostgreSQL only).

A document is about 1.9 kB, so PostgreSQL moved most of them out of line into the TOAST table
(the default storage of tsvector, EXTENDED): ranking a common word's 17,700 matches fetched
each one back through the TOAST index, some 57,000 buffers. With storage MAIN the document
stays in the row (the text fields go out of line first), and ranking reads the pages the
match already read: 10,500 buffers for the same matches. The column is added again so that
every existing row is written with the new storage (SET STORAGE alone changes new rows only).
"""

from importlib import import_module

from django.db import migrations

COLUMN = "search_document"
TABLE = "incidents_incidentreview"
DOCUMENT = import_module("incidents.migrations.0007_review_search_index").DOCUMENT


def _recreate(schema_editor, storage: str) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"ALTER TABLE {TABLE} DROP COLUMN IF EXISTS {COLUMN}")
    schema_editor.execute(
        f"ALTER TABLE {TABLE} ADD COLUMN {COLUMN} tsvector GENERATED ALWAYS AS ({DOCUMENT}) "
        f"STORED, ALTER COLUMN {COLUMN} SET STORAGE {storage}"
    )


def keep_in_row(apps, schema_editor):
    _recreate(schema_editor, "MAIN")


def back_to_default(apps, schema_editor):
    _recreate(schema_editor, "EXTENDED")


class Migration(migrations.Migration):
    dependencies = [("incidents", "0010_signal_totals")]

    operations = [migrations.RunPython(keep_in_row, back_to_default, elidable=False)]
