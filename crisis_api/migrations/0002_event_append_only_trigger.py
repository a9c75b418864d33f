"""On PostgreSQL, reject UPDATE and DELETE on the event table, whoever sends them.

TRUNCATE stays allowed: test databases are flushed with it, and it needs table ownership.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION crisis_api_event_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'crisis_api_event is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER crisis_api_event_append_only
    BEFORE UPDATE OR DELETE ON crisis_api_event
    FOR EACH ROW EXECUTE FUNCTION crisis_api_event_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS crisis_api_event_append_only ON crisis_api_event;
DROP FUNCTION IF EXISTS crisis_api_event_append_only();
"""


def _on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)  # "%" in the SQL is not a placeholder

    return run


class Migration(migrations.Migration):
    dependencies = [("crisis_api", "0001_initial")]

    operations = [migrations.RunPython(_on_postgresql(CREATE), _on_postgresql(DROP))]
