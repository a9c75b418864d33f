"""The full-text index of the reviews' lessons (PostgreSQL only; SQLite searches more simply).

Its expression is the document incidents.reviews.selectors searches, column for column (a
test holds them together): French and English stemming over the summary, root cause, what
went well, what went wrong, lessons learned and follow-ups.
"""

from django.db import migrations

INDEX = "incident_review_search"
TEXT = (
    "summary || ' ' || root_cause || ' ' || what_went_well || ' ' || what_went_wrong || ' ' || "
    "lessons_learned || ' ' || follow_up_actions::text"
)
DOCUMENT = f"to_tsvector('french'::regconfig, {TEXT}) || to_tsvector('english'::regconfig, {TEXT})"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON incidents_incidentreview "
            f"USING GIN (({DOCUMENT}))"
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("incidents", "0006_review_metrics_first_public_response")]

    operations = [migrations.RunPython(create_index, drop_index, elidable=False)]
