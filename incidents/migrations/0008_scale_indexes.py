"""Indexes for a million incidents (issue 10): the default order and the response-deadline
order at any cursor depth, the metrics' detection period, and `?q=` substring search through
pg_trgm trigram indexes (PostgreSQL; on SQLite the extension is skipped and each trigram index
is a plain one, see incidents.indexes)."""

import datetime

import django.db.models.functions.comparison
from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations, models

import incidents.indexes


class TrigramExtension(TrigramExtension):
    """pg_trgm on PostgreSQL; nothing on SQLite, backwards too (Django's checks the vendor only
    forwards)."""

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    dependencies = [("incidents", "0007_review_search_index")]

    operations = [
        TrigramExtension(),  # does nothing on SQLite
        migrations.AddIndex(
            model_name="incident",
            index=models.Index(fields=["created_at", "id"], name="incident_created"),
        ),
        migrations.AddIndex(
            model_name="incident",
            index=models.Index(fields=["detected_at"], name="incident_detected"),
        ),
        migrations.AddIndex(
            model_name="incident",
            index=incidents.indexes.SubstringIndex(
                field="reference", name="incident_reference_trgm"
            ),
        ),
        migrations.AddIndex(
            model_name="incident",
            index=incidents.indexes.SubstringIndex(field="title", name="incident_title_trgm"),
        ),
        migrations.AddIndex(
            model_name="incident",
            index=incidents.indexes.SubstringIndex(field="summary", name="incident_summary_trgm"),
        ),
        migrations.AddIndex(
            model_name="incident",
            index=models.Index(
                django.db.models.functions.comparison.Coalesce(
                    "response_due_at",
                    models.Value(
                        datetime.datetime(9999, 12, 31, 0, 0, tzinfo=datetime.UTC),
                        models.DateTimeField(),
                    ),
                ),
                models.F("id"),
                name="incident_response_due_order",
            ),
        ),
    ]
