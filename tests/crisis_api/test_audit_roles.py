"""The service's database role can read and append the audit log, and nothing else (PostgreSQL)."""

import uuid

import psycopg
import pytest
from django.db import connection

from crisis_api.events.grants import grants_sql
from crisis_api.models import Event
from tests.concurrency import POSTGRES_ONLY

pytestmark = [*POSTGRES_ONLY, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def service(make_incident):
    """A connection as a fresh service role granted what `audit_grants` prints."""
    incident = make_incident("resolved")
    role = f"crisis_audit_service_{uuid.uuid4().hex[:12]}"
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        owner = cursor.fetchone()[0]
        cursor.execute(f"CREATE ROLE {role} LOGIN")
        cursor.execute(grants_sql(owner=owner, service=role))
    params = connection.get_connection_params()
    params.update(user=role, autocommit=True)
    params.pop("password", None)
    params.pop("cursor_factory", None)
    params.pop("context", None)
    conn = psycopg.connect(**params)
    try:
        yield conn, incident
    finally:
        conn.close()
        with connection.cursor() as cursor:
            cursor.execute(f"DROP OWNED BY {role}")
            cursor.execute(f"DROP ROLE {role}")


REFUSALS = [
    ("TRUNCATE crisis_api_event", "permission denied"),
    ("TRUNCATE crisis_api_eventstream", "permission denied"),
    ("TRUNCATE crisis_api_auditcheckpoint", "permission denied"),
    ("UPDATE crisis_api_event SET note = 'x'", "permission denied"),
    ("DELETE FROM crisis_api_event", "permission denied"),
    ("DELETE FROM crisis_api_eventstream", "permission denied"),
    ("UPDATE crisis_api_eventstream SET name = 'x'", "permission denied"),
    ("ALTER TABLE crisis_api_event DISABLE TRIGGER ALL", "must be owner"),
    ("ALTER TABLE crisis_api_eventstream DISABLE TRIGGER ALL", "must be owner"),
    ("DROP TRIGGER crisis_api_event_append_only ON crisis_api_event", "must be owner"),
    ("DELETE FROM django_migrations", "permission denied"),
]


def test_service_role_is_refused(service):
    conn, _ = service

    for sql, message in REFUSALS:
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match=message):
            conn.execute(sql)
    assert Event.objects.count() == 4


def test_service_role_cannot_move_a_head_back(service):
    conn, incident = service
    third = Event.objects.get(stream=incident.stream, sequence=3)

    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="cannot move back"):
        conn.execute(
            "UPDATE crisis_api_eventstream SET last_sequence = 3, last_hash = %s WHERE name = %s",
            [third.hash, incident.stream],
        )


def test_service_role_cannot_move_a_head_onto_no_event(service):
    conn, incident = service

    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="must name its last event"):
        conn.execute(
            "UPDATE crisis_api_eventstream SET last_sequence = 9, last_hash = %s WHERE name = %s",
            ["f" * 64, incident.stream],
        )


def test_service_role_cannot_start_a_head_anywhere_but_empty(service):
    conn, _ = service

    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="starts empty"):
        conn.execute(
            "INSERT INTO crisis_api_eventstream (name, last_sequence, last_hash) "
            "VALUES ('x', 5, %s)",
            ["f" * 64],
        )


def test_service_role_appends_through_the_narrow_path(service):
    """What event_append does (lock the head, insert the event, move the head) is allowed."""
    conn, incident = service
    last = Event.objects.get(stream=incident.stream, sequence=4)
    with conn.transaction():
        conn.execute(
            "SELECT * FROM crisis_api_eventstream WHERE name = %s FOR UPDATE", [incident.stream]
        )
        conn.execute(
            "INSERT INTO crisis_api_event (stream, sequence, at, action, from_status, to_status,"
            " changes, note, data, request_id, prev_hash, hash) VALUES (%s, 5, now(), 'x', '',"
            " '', '{}', '', '{}', '', %s, %s)",
            [incident.stream, last.hash, "e" * 64],
        )
        conn.execute(
            "UPDATE crisis_api_eventstream SET last_sequence = 5, last_hash = %s WHERE name = %s",
            ["e" * 64, incident.stream],
        )

    assert Event.objects.filter(stream=incident.stream).count() == 5
