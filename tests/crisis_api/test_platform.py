"""Platform pieces: health probes, problem responses, production settings, tokens."""

import json
from datetime import timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import OperationalError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from crisis_api.auth.roles import user_role
from crisis_api.auth.tokens import api_token_find, token_digest
from crisis_api.checks import check_production_settings, require_production_settings
from crisis_api.errors import server_error
from crisis_api.models import ApiToken


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz(client, db):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "database": "ok"}


def test_readyz_when_the_database_fails(client, db, monkeypatch):
    class DownDatabase:
        def cursor(self):
            raise OperationalError("down")

    monkeypatch.setattr("crisis_api.health.connection", DownDatabase())
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"


@pytest.mark.parametrize("path", ["/api/v1/nothing-here/", "/api/v2/incidents/", "/api/"])
def test_unknown_api_path_is_problem_json(path, client, db):
    response = client.get(path)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == "urn:crisis-api:problem:not-found"
    assert body["title"] == "Not Found"
    assert path in body["detail"]


def test_unknown_page_outside_api_is_html(client, db):
    response = client.get("/nothing-here/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_server_error_under_api_is_problem_json(rf):
    response = server_error(rf.get("/api/v1/incidents/"))

    assert response.status_code == 500
    assert response["Content-Type"] == "application/problem+json"
    assert json.loads(response.content)["type"] == "urn:crisis-api:problem:server-error"


def test_unhandled_exception_in_a_view_is_problem_json(db, responder, client_for, monkeypatch):
    from incidents import selectors

    def explode(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(selectors, "incident_list", explode)
    client = client_for(responder)
    client.raise_request_exception = False

    response = client.get("/api/v1/incidents/")

    assert response.status_code == 500
    assert response["Content-Type"] == "application/problem+json"
    assert "X-Request-ID" in response.json()["detail"]


@pytest.mark.parametrize(
    ("secret_key", "hosts", "missing"),
    [
        (None, ["api.example.com"], ["DJANGO_SECRET_KEY"]),
        ("s" * 50, [], ["DJANGO_ALLOWED_HOSTS"]),
        (None, [], ["DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS"]),
    ],
)
def test_debug_off_refuses_to_serve_without_settings(settings, secret_key, hosts, missing):
    settings.DEBUG = False
    settings.SECRET_KEY = secret_key or settings.INSECURE_SECRET_KEY
    settings.ALLOWED_HOSTS = hosts

    with pytest.raises(ImproperlyConfigured) as error:
        require_production_settings()

    for name in missing:
        assert name in str(error.value)
    assert len(check_production_settings(None)) == len(missing)


def test_production_settings_accepted(settings):
    settings.DEBUG = False
    settings.SECRET_KEY = "s" * 50
    settings.ALLOWED_HOSTS = ["api.example.com"]

    require_production_settings()
    assert check_production_settings(None) == []


def test_create_api_token_creates_user_and_prints_token_last(db, capsys):
    call_command("create_api_token", "bot", "--role", "responder", "--name", "monitor")

    out = capsys.readouterr().out.strip().splitlines()
    secret = out[-1]
    token = api_token_find(secret)
    assert token is not None
    assert token.user.username == "bot"
    assert token.digest == token_digest(secret)
    assert secret not in ApiToken.objects.values_list("digest", flat=True)
    assert user_role(token.user) == "responder"
    assert token.expires_at is not None


def test_create_api_token_replaces_the_role(db, capsys):
    call_command("create_api_token", "bot", "--role", "responder")
    call_command("create_api_token", "bot", "--role", "manager", "--days", "30")

    secret = capsys.readouterr().out.strip().splitlines()[-1]
    token = api_token_find(secret)
    assert user_role(token.user) == "manager"
    assert token.user.groups.count() == 1
    assert token.user.is_staff


def test_create_api_token_refuses_unknown_role(db):
    with pytest.raises(CommandError, match="invalid choice"):
        call_command("create_api_token", "bot", "--role", "admin")


def test_expired_token_is_not_found(db, responder):
    from crisis_api.auth.tokens import api_token_issue

    token, secret = api_token_issue(user=responder)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    assert api_token_find(secret) is None


def test_authentication_costs_one_query(db, responder):
    from crisis_api.auth.tokens import api_token_issue

    _, secret = api_token_issue(user=responder)

    with CaptureQueriesContext(connection) as queries:
        token = api_token_find(secret)
        assert token.user.username == responder.username

    assert len(queries) == 1


def test_permissions_load_in_one_query(db, make_user):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(pk=make_user("manager").pk)

    with CaptureQueriesContext(connection) as queries:
        assert user.has_perm("incidents.review_incident")
        assert user.has_perm("incidents.view_incident")
        assert not user.has_perm("auth.delete_user")

    assert len(queries) == 1


@pytest.mark.parametrize("method", ["post", "patch", "put", "delete"])
def test_writes_to_unknown_api_paths_are_404_even_with_csrf_checks(method, db):
    from django.test import Client

    response = getattr(Client(enforce_csrf_checks=True), method)("/api/v1/nope/")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
