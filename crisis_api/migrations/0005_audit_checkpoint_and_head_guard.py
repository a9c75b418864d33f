"""Audit checkpoints; on PostgreSQL, stream heads that only move forward onto their last event.

A stream head (crisis_api_eventstream) may be created only empty, never deleted, and updated
only to the sequence and hash of an event of its stream that exists and is the stream's last,
further than before: the one narrow path of event_append. Moving a head back (to hide deleted
last events) is refused whoever sends it; the service role cannot disable the trigger (it does
not own the table, see `audit_grants`). Checkpoints are append-only like events.
"""

from django.db import migrations, models

GUARD = """
CREATE OR REPLACE FUNCTION crisis_api_eventstream_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'stream heads cannot be deleted (stream %)', OLD.name
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_OP = 'INSERT' THEN
        IF NEW.last_sequence <> 0 OR NEW.last_hash <> repeat('0', 64) THEN
            RAISE EXCEPTION 'a stream head starts empty (stream %)', NEW.name
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
    END IF;
    IF NEW.name <> OLD.name THEN
        RAISE EXCEPTION 'a stream head cannot be renamed (stream %)', OLD.name
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NEW.last_sequence = OLD.last_sequence AND NEW.last_hash = OLD.last_hash THEN
        RETURN NEW;
    END IF;
    IF NEW.last_sequence <= OLD.last_sequence THEN
        RAISE EXCEPTION 'the head of stream % cannot move back (% to %)',
            OLD.name, OLD.last_sequence, NEW.last_sequence
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NOT EXISTS (
        SELECT 1 FROM crisis_api_event
        WHERE stream = NEW.name AND sequence = NEW.last_sequence AND hash = NEW.last_hash
    ) OR EXISTS (
        SELECT 1 FROM crisis_api_event WHERE stream = NEW.name AND sequence > NEW.last_sequence
    ) THEN
        RAISE EXCEPTION 'the head of stream % must name its last event', NEW.name
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER crisis_api_eventstream_guard
    BEFORE INSERT OR UPDATE OR DELETE ON crisis_api_eventstream
    FOR EACH ROW EXECUTE FUNCTION crisis_api_eventstream_guard();

CREATE OR REPLACE FUNCTION crisis_api_auditcheckpoint_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'crisis_api_auditcheckpoint is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER crisis_api_auditcheckpoint_append_only
    BEFORE UPDATE OR DELETE ON crisis_api_auditcheckpoint
    FOR EACH ROW EXECUTE FUNCTION crisis_api_auditcheckpoint_append_only();
"""

UNGUARD = """
DROP TRIGGER IF EXISTS crisis_api_auditcheckpoint_append_only ON crisis_api_auditcheckpoint;
DROP FUNCTION IF EXISTS crisis_api_auditcheckpoint_append_only();
DROP TRIGGER IF EXISTS crisis_api_eventstream_guard ON crisis_api_eventstream;
DROP FUNCTION IF EXISTS crisis_api_eventstream_guard();
"""


def _on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)  # "%" in the SQL is not a placeholder

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("crisis_api", "0004_feed_only_permission"),
    ]

    operations = [
        migrations.CreateModel(
            name="AuditCheckpoint",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("created_at", models.DateTimeField(db_index=True, verbose_name="created at")),
                ("streams", models.PositiveIntegerField(verbose_name="streams")),
                ("events", models.PositiveBigIntegerField(verbose_name="events")),
                ("document", models.JSONField(verbose_name="document")),
            ],
            options={
                "verbose_name": "audit checkpoint",
                "verbose_name_plural": "audit checkpoints",
                "ordering": ["-created_at", "-id"],
            },
        ),
        migrations.RunPython(_on_postgresql(GUARD), _on_postgresql(UNGUARD)),
    ]
