"""Idempotency-Key on POST: replay, 422, 409, scoping per caller, expiry, release."""

import io
import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.db import connections
from rest_framework.test import APIClient

from crisis_api.auth.tokens import api_token_issue
from crisis_api.idempotency import services
from crisis_api.models import Event, IdempotencyKey
from incidents.models import Incident
from tests.concurrency import POSTGRES_ONLY

URL = "/api/v1/incidents/"
KEY = "5c1b2d6e-0f7a-4e39-8d2b-1a9e3c4f5a60"
NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)

IN_USE = {
    "type": "urn:crisis-api:problem:idempotency-key-in-use",
    "title": "Conflict",
    "status": 409,
    "detail": "A request with this Idempotency-Key is still being processed; wait a moment "
    "and retry the same request to get its answer.",
}
REUSED = {
    "type": "urn:crisis-api:problem:idempotency-key-reused",
    "title": "Unprocessable Content",
    "status": 422,
    "detail": "This Idempotency-Key was already used for a different request (another method, "
    "path or body); use a new key for a new request.",
}
INVALID_KEY = {
    "type": "urn:crisis-api:problem:invalid-idempotency-key",
    "title": "Bad Request",
    "status": 400,
    "detail": "The Idempotency-Key header must be 1 to 255 printable ASCII characters; send a "
    "random UUID, for example.",
}


def create(client, key=KEY, title="Viral post about late deliveries", **extra):
    return client.post(URL, {"title": title}, format="json", HTTP_IDEMPOTENCY_KEY=key, **extra)


@pytest.fixture
def client(responder, client_for):
    return client_for(responder)


def test_a_retry_gets_the_first_answer_and_creates_nothing(client):
    first = create(client)
    again = create(client)

    assert first.status_code == 201
    assert "Idempotent-Replayed" not in first
    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.content == first.content
    for header in ("Location", "ETag", "Content-Type", "Content-Language"):
        assert again[header] == first[header]
    assert again["X-Request-ID"] != first["X-Request-ID"]  # the replay's own
    assert Incident.objects.count() == 1
    assert Event.objects.filter(action="incident.created").count() == 1


def test_without_a_key_every_post_runs(client):
    client.post(URL, {"title": "one"}, format="json")
    client.post(URL, {"title": "one"}, format="json")

    assert Incident.objects.count() == 2
    assert not IdempotencyKey.objects.exists()


def test_the_same_key_with_another_body_is_refused(client):
    create(client, title="First")
    response = create(client, title="Second")

    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert response.json() == REUSED
    assert list(Incident.objects.values_list("title", flat=True)) == ["First"]


def test_the_same_key_on_another_path_is_refused(client, make_incident, responder):
    incident = make_incident("detected", actor=responder)
    create(client)
    response = client.post(
        f"{URL}{incident.pk}/notes/", {"note": "x"}, format="json", HTTP_IDEMPOTENCY_KEY=KEY
    )

    assert response.status_code == 422
    assert response.json() == REUSED


def test_the_same_key_while_the_first_runs_is_refused(client, responder):
    token = responder.api_tokens.get()
    body = b'{"title":"Viral post about late deliveries"}'
    services.idempotency_claim(
        scope=f"token:{token.pk}",
        key=KEY,
        fingerprint=services.request_fingerprint(method="POST", path=URL, body=body),
        now=datetime.now(UTC),
    )

    response = create(client)

    assert response.status_code == 409
    assert response.json() == IN_USE
    assert not Incident.objects.exists()


def test_a_claim_whose_process_died_is_taken_over(client, responder, settings):
    token = responder.api_tokens.get()
    services.idempotency_claim(
        scope=f"token:{token.pk}",
        key=KEY,
        fingerprint="0" * 64,
        now=datetime.now(UTC) - timedelta(seconds=settings.IDEMPOTENCY_LOCK_SECONDS + 1),
    )

    response = create(client)

    assert response.status_code == 201
    assert Incident.objects.count() == 1


def test_keys_belong_to_their_caller(make_user, client_for):
    alice, bob = make_user("responder"), make_user("responder")

    assert create(client_for(alice)).status_code == 201
    assert create(client_for(bob)).status_code == 201
    assert Incident.objects.count() == 2


def test_each_token_has_its_own_keys(responder, client_for):
    assert create(client_for(responder)).status_code == 201
    assert create(client_for(responder)).status_code == 201
    assert Incident.objects.count() == 2


def test_a_session_caller_has_keys_too(manager, client):
    session = APIClient(enforce_csrf_checks=False)
    session.force_login(manager)

    first = create(session)
    again = create(session)

    assert first.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.content == first.content
    assert IdempotencyKey.objects.get().scope == f"user:{manager.pk}"


def test_the_answer_is_kept_24_hours(client):
    with time_machine.travel(NOW, tick=False):
        create(client)
    with time_machine.travel(NOW + timedelta(hours=23, minutes=59), tick=False):
        assert create(client)["Idempotent-Replayed"] == "true"
    with time_machine.travel(NOW + timedelta(hours=24), tick=False):
        response = create(client)

    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response
    assert Incident.objects.count() == 2


def test_an_invalid_request_is_answered_the_same_way_again(client):
    first = client.post(URL, {"title": ""}, format="json", HTTP_IDEMPOTENCY_KEY=KEY)
    again = client.post(URL, {"title": ""}, format="json", HTTP_IDEMPOTENCY_KEY=KEY)

    assert first.status_code == again.status_code == 400
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert again["Content-Type"] == "application/problem+json"


def test_a_replay_keeps_the_language_of_the_first_answer(client):
    first = client.post(URL, {"title": ""}, format="json", HTTP_IDEMPOTENCY_KEY=KEY)
    again = client.post(
        URL, {"title": ""}, format="json", HTTP_IDEMPOTENCY_KEY=KEY, HTTP_ACCEPT_LANGUAGE="fr"
    )

    assert first["Content-Language"] == "en"
    assert again["Idempotent-Replayed"] == "true"
    assert again.content == first.content  # in English, so labelled English
    assert again["Content-Language"] == "en"


@pytest.mark.django_db
def test_bad_credentials_claim_nothing():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")

    response = create(client)

    assert response.status_code == 401
    assert not IdempotencyKey.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("key", [KEY, "x" * 256])
def test_no_credentials_claim_nothing(key):
    response = create(APIClient(), key=key)

    assert response.status_code == 401
    assert not IdempotencyKey.objects.exists()


def test_a_refusal_for_the_role_is_not_kept(viewer, client_for):
    response = create(client_for(viewer))

    assert response.status_code == 403
    assert not IdempotencyKey.objects.exists()


def test_a_server_error_releases_the_key(client, monkeypatch):
    def fail(**kwargs):
        raise RuntimeError("database on fire")

    monkeypatch.setattr("incidents.api.views.services.incident_create", fail)
    client.raise_request_exception = False
    failed = create(client)
    monkeypatch.undo()

    assert failed.status_code == 500
    assert not IdempotencyKey.objects.exists()
    assert create(client).status_code == 201


@pytest.mark.parametrize("key", ["", "x" * 256, "clé", "tab\there"])
def test_a_bad_key_is_refused(client, key):
    response = create(client, key=key)

    assert response.status_code == 400
    assert response.json() == INVALID_KEY
    assert not Incident.objects.exists()


def test_the_longest_key_is_accepted(client):
    assert create(client, key="~" * 255).status_code == 201


def test_the_header_is_ignored_on_other_methods(client, make_incident, responder):
    incident = make_incident("detected", actor=responder)
    response = client.get(f"{URL}{incident.pk}/", HTTP_IDEMPOTENCY_KEY=KEY)

    assert response.status_code == 200
    assert not IdempotencyKey.objects.exists()


def test_the_purge_deletes_only_expired_keys(client):
    with time_machine.travel(NOW, tick=False):
        create(client, key="old")
    with time_machine.travel(NOW + timedelta(hours=12), tick=False):
        create(client, key="recent", title="Another")
    with time_machine.travel(NOW + timedelta(hours=24, seconds=1), tick=False):
        out = io.StringIO()
        call_command("purge_idempotency_keys", stdout=out)

    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["recent"]
    assert out.getvalue() == "Deleted 1 expired idempotency keys.\n"


@pytest.mark.django_db
def test_the_schema_documents_the_key_on_every_post():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    posts = [op for ops in schema["paths"].values() for m, op in ops.items() if m == "post"]

    assert posts
    for operation in posts:
        names = [p["name"] for p in operation["parameters"] if p["in"] == "header"]
        assert "Idempotency-Key" in names
        examples = {
            status: operation["responses"][status]["content"]["application/problem+json"][
                "examples"
            ]
            for status in ("409", "422")
        }
        assert "IdempotencyKeyInUse" in examples["409"]
        assert examples["422"]["IdempotencyKeyReused"]["value"] == REUSED


# --- Two requests at once with one key (PostgreSQL) ---------------------------------------------


@POSTGRES_ONLY[0]
@POSTGRES_ONLY[1]
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("racers", [2, 6])
def test_concurrent_requests_with_one_key_create_one_incident(responder, racers):
    _, secret = api_token_issue(user=responder)
    barrier = threading.Barrier(racers)
    responses = [None] * racers

    def send(index):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
        try:
            barrier.wait(timeout=10)
            responses[index] = create(client)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send, args=(i,)) for i in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert Incident.objects.count() == 1
    codes = [r.status_code for r in responses]
    assert codes.count(201) >= 1
    assert set(codes) <= {201, 409}
    created = [r for r in responses if r.status_code == 201]
    assert len({r.json()["id"] for r in created}) == 1
    assert sum("Idempotent-Replayed" not in r for r in created) == 1
    for response in responses:
        if response.status_code == 409:
            assert response.json() == IN_USE


# --- What a key costs ----------------------------------------------------------------------------


def _queries(client, **headers) -> list[str]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        client.post(URL, {"title": "Counted"}, format="json", **headers)
    return [q["sql"] for q in captured.captured_queries]


def test_a_key_costs_a_token_lookup_an_insert_and_an_update(client):
    plain = _queries(client)
    keyed = _queries(client, HTTP_IDEMPOTENCY_KEY="counted")
    replayed = _queries(client, HTTP_IDEMPOTENCY_KEY="counted")

    extra = [sql for sql in keyed if "idempotencykey" in sql or "apitoken" in sql]
    assert len(keyed) - len(plain) == 5  # token, SAVEPOINT, INSERT, RELEASE, UPDATE
    assert len(extra) == 4  # the token again (DRF authenticates too), the INSERT, the UPDATE
    # The replay, before the view: the token, the refused INSERT in its savepoint (SAVEPOINT,
    # INSERT, ROLLBACK TO, RELEASE) and the stored row.
    assert len(replayed) == 6
