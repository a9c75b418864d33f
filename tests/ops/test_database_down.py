"""§7: the database does not answer: 503 with Retry-After, one log line, recovery by itself."""

import json
import logging
from contextlib import contextmanager
from unittest import mock

from django.db import OperationalError, connection
from django.urls import reverse

LIST = reverse("incident-list")


@contextmanager
def database_down():
    """Every new cursor fails as a refused connection does (psycopg's OperationalError)."""
    refused = OperationalError(
        'connection to server at "127.0.0.1", port 5432 failed: Connection refused\n'
        "\tIs the server running on that host and accepting TCP/IP connections?"
    )
    with mock.patch.object(connection, "create_cursor", side_effect=refused):
        yield


def test_the_api_answers_503_problem_with_retry_after(responder, client_for):
    client = client_for(responder)

    with database_down():
        response = client.get(LIST)

    assert response.status_code == 503
    assert response["Content-Type"] == "application/problem+json"
    assert response["Retry-After"] == "5"
    assert json.loads(response.content) == {
        "type": "urn:crisis-api:problem:service-unavailable",
        "title": "Service Unavailable",
        "status": 503,
        "detail": "The database is not answering; retry in a few seconds.",
    }
    assert b"Traceback" not in response.content
    assert b"5432" not in response.content  # nothing about the infrastructure


def test_a_write_gets_the_same_503(responder, client_for):
    client = client_for(responder)

    with database_down():
        response = client.post(LIST, {"title": "t"}, format="json")

    assert response.status_code == 503
    assert response["Retry-After"] == "5"


def test_the_problem_speaks_french(responder, client_for):
    client = client_for(responder)

    with database_down():
        response = client.get(LIST, HTTP_ACCEPT_LANGUAGE="fr")

    body = json.loads(response.content)
    assert response.status_code == 503
    assert body["detail"] == "La base de données ne répond pas ; réessayez dans quelques secondes."


def test_one_log_line_per_request_without_traceback(responder, client_for, caplog):
    client = client_for(responder)
    caplog.set_level(logging.INFO)

    with database_down():
        client.get(LIST)

    assert [r.name for r in caplog.records] == ["crisis_api.requests"]
    [record] = caplog.records
    assert record.status == 503
    assert record.exc_info is None
    assert record.error.startswith("database unavailable: OperationalError: connection to server")
    assert "\n" not in record.error


def test_readyz_answers_503_and_healthz_stays_up(db, client, caplog):
    caplog.set_level(logging.INFO)
    with database_down():
        ready = client.get("/readyz")
        alive = client.get("/healthz")

    assert ready.status_code == 503
    assert ready["Retry-After"] == "5"
    assert json.loads(ready.content) == {
        "status": "unavailable",
        "database": "error: OperationalError",
    }
    assert alive.status_code == 200
    ready_lines = [r for r in caplog.records if getattr(r, "path", "") == "/readyz"]
    assert [(r.name, r.status, r.error) for r in ready_lines] == [
        ("crisis_api.requests", 503, "database unavailable: OperationalError")
    ]
    assert not [r for r in caplog.records if r.name == "django.request"]


def test_the_admin_answers_a_plain_503(manager, admin_client_for):
    client = admin_client_for(manager)

    with database_down():
        response = client.get(reverse("admin:index"))

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert b"Traceback" not in response.content


def test_the_service_recovers_when_the_database_is_back(responder, client_for):
    client = client_for(responder)
    with database_down():
        assert client.get(LIST).status_code == 503

    assert client.get(LIST).status_code == 200
    assert client.get("/readyz").status_code == 200


def test_a_bad_query_is_still_a_500_with_its_traceback(responder, client_for, caplog):
    # Only an unreachable database is a 503: a programming error stays loud.
    from django.db import ProgrammingError

    client = client_for(responder)
    client.raise_request_exception = False
    with mock.patch.object(
        connection, "create_cursor", side_effect=ProgrammingError("syntax error")
    ):
        response = client.get(LIST)

    assert response.status_code == 500
    assert any(r.exc_info for r in caplog.records if r.name == "django.request")
