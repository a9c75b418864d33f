"""GET /api/v1/tokens/ and POST /api/v1/tokens/{id}/revoke/: who sees and revokes which token."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from crisis_api.auth.tokens import api_token_issue, api_token_revoke
from crisis_api.events.services import SYSTEM_STREAM
from crisis_api.models import ApiToken, Event

LIST = reverse("apitoken-list")
TOKEN_FIELDS = {
    "id", "prefix", "name", "user", "created_at", "expires_at", "last_used_at", "revoked_at",
    "state",
}  # fmt: skip


def revoke_url(token_or_pk) -> str:
    return reverse("apitoken-revoke", kwargs={"pk": getattr(token_or_pk, "pk", token_or_pk)})


def bearer(secret: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def signed_in(user) -> tuple[APIClient, ApiToken]:
    """A client sending a new token of `user`, and that token."""
    token, secret = api_token_issue(user=user, name="session")
    return bearer(secret), token


def assert_problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == f"urn:crisis-api:problem:{code}"
    assert body["status"] == status
    assert body["title"] and body["detail"]
    return body


def prefixes(response) -> set[str]:
    return {token["prefix"] for token in response.json()["results"]}


# --- list -------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["viewer", "responder", None])
def test_non_managers_list_only_their_own_tokens(role, make_user):
    user, other = make_user(role), make_user("responder")
    client, own = signed_in(user)
    second, _ = api_token_issue(user=user, name="ci")
    api_token_issue(user=other)

    response = client.get(LIST)

    assert response.status_code == 200
    assert prefixes(response) == {own.prefix, second.prefix}


def test_a_token_is_listed_by_prefix_never_by_secret_or_digest(viewer):
    client, token = signed_in(viewer)
    secret = client._credentials["HTTP_AUTHORIZATION"].split()[1]

    response = client.get(LIST)

    [listed] = response.json()["results"]
    token.refresh_from_db()
    assert set(listed) == TOKEN_FIELDS
    assert listed["id"] == token.pk
    assert listed["prefix"] == token.prefix and secret.startswith(token.prefix)
    assert listed["name"] == "session"
    assert listed["user"] == viewer.username
    assert listed["state"] == "active"
    assert listed["revoked_at"] is None
    assert listed["last_used_at"] is not None  # this very request used it
    assert secret not in response.content.decode()
    assert token.digest not in response.content.decode()


def test_a_manager_lists_everyones_tokens_and_filters_by_user(manager, make_user):
    client, own = signed_in(manager)
    alice, bob = make_user("responder", "alice"), make_user("viewer", "bob")
    alices, _ = api_token_issue(user=alice)
    bobs, _ = api_token_issue(user=bob)

    everyone = client.get(LIST)
    only_alice = client.get(LIST, {"user": "alice"})
    nobody = client.get(LIST, {"user": "no-such-user"})

    assert prefixes(everyone) == {own.prefix, alices.prefix, bobs.prefix}
    assert prefixes(only_alice) == {alices.prefix}
    assert nobody.status_code == 400  # like every user filter: an unknown name is an error
    assert nobody.json()["errors"] == {
        "user": ["No active user has these usernames: no-such-user."]
    }


def test_a_non_manager_filtering_by_another_user_sees_nothing(viewer, make_user):
    client, _ = signed_in(viewer)
    api_token_issue(user=make_user("responder", "alice"))

    response = client.get(LIST, {"user": "alice"})

    assert response.status_code == 200
    assert response.json()["results"] == []


def test_state_is_derived_and_filterable(manager):
    client, active = signed_in(manager)
    expired, _ = api_token_issue(user=manager)
    ApiToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(days=1))
    revoked, _ = api_token_issue(user=manager)
    api_token_revoke(token=revoked)

    states = {t["prefix"]: t["state"] for t in client.get(LIST).json()["results"]}

    assert states == {active.prefix: "active", expired.prefix: "expired", revoked.prefix: "revoked"}
    for state, token in (("active", active), ("expired", expired), ("revoked", revoked)):
        assert prefixes(client.get(LIST, {"state": state})) == {token.prefix}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"state": "gone"}, "state"),
        ({"user": "ali\x00ce"}, "user"),
        ({"user": "u" * 151}, "user"),
        ({"ordering": "digest"}, "ordering"),
        ({"cursor": "not-a-cursor"}, "cursor"),
    ],
)
def test_bad_filter_values_are_400(query, field, viewer):
    client, _ = signed_in(viewer)

    body = assert_problem(client.get(LIST, query), 400, "invalid")

    assert list(body["errors"]) == [field]


def test_list_is_paginated_by_cursor_newest_first(viewer):
    client, first = signed_in(viewer)
    second, _ = api_token_issue(user=viewer)
    third, _ = api_token_issue(user=viewer)

    page = client.get(LIST, {"page_size": 2}).json()
    rest = client.get(page["next"]).json()
    oldest_first = client.get(LIST, {"ordering": "created_at"}).json()

    assert [t["id"] for t in page["results"]] == [third.pk, second.pk]
    assert [t["id"] for t in rest["results"]] == [first.pk]
    assert [t["id"] for t in oldest_first["results"]] == [first.pk, second.pk, third.pk]


def test_list_query_count_does_not_grow_with_tokens(manager, make_user):
    client, _ = signed_in(manager)
    client.get(LIST)  # record the token's first use, so no later request writes

    with CaptureQueriesContext(connection) as few:
        assert client.get(LIST).status_code == 200
    for _ in range(6):
        api_token_issue(user=make_user("viewer"))
    with CaptureQueriesContext(connection) as many:
        assert len(client.get(LIST).json()["results"]) == 7

    assert len(many) == len(few)


def test_reads_write_nothing_once_use_is_recorded(viewer):
    client, _ = signed_in(viewer)
    client.get(LIST)  # the first use writes last_used_at

    with CaptureQueriesContext(connection) as queries:
        client.get(LIST)
        client.get(LIST)

    writes = [q["sql"] for q in queries if not q["sql"].lstrip().upper().startswith("SELECT")]
    assert writes == []


# --- revoke -----------------------------------------------------------------------------------


def test_an_owner_revokes_their_own_token(responder):
    client, _ = signed_in(responder)
    other, other_secret = api_token_issue(user=responder, name="ci")

    response = client.post(revoke_url(other))

    assert response.status_code == 200
    body = response.json()
    assert set(body) == TOKEN_FIELDS
    assert body["id"] == other.pk and body["state"] == "revoked" and body["revoked_at"]
    event = Event.objects.filter(stream=SYSTEM_STREAM, action="api_token.revoked").get()
    assert event.actor == responder
    assert event.data["token_id"] == other.pk
    assert_problem(bearer(other_secret).get(LIST), 401, "authentication-failed")


def test_revoking_the_token_in_use_logs_out(viewer):
    client, token = signed_in(viewer)

    response = client.post(revoke_url(token))

    assert response.status_code == 200  # the response still goes out
    assert response.json()["state"] == "revoked"
    body = assert_problem(client.get(LIST), 401, "authentication-failed")
    assert "revoked" in body["detail"]


def test_a_manager_revokes_anyones_token(manager, make_user):
    client, _ = signed_in(manager)
    token, _ = api_token_issue(user=make_user("responder"))

    response = client.post(revoke_url(token))

    assert response.status_code == 200
    assert response.json()["state"] == "revoked"
    token.refresh_from_db()
    assert token.revoked_at is not None
    event = Event.objects.filter(stream=SYSTEM_STREAM, action="api_token.revoked").get()
    assert event.actor == manager


@pytest.mark.parametrize("role", ["viewer", "responder", None])
def test_someone_elses_token_does_not_exist_for_a_non_manager(role, make_user, manager):
    client, _ = signed_in(make_user(role))
    token, _ = api_token_issue(user=manager)

    body = assert_problem(client.post(revoke_url(token)), 404, "not-found")

    assert body["detail"] == "No such resource, or you are not allowed to see it."
    token.refresh_from_db()
    assert token.revoked_at is None


def test_unknown_token_is_404(manager):
    client, _ = signed_in(manager)

    assert_problem(client.post(revoke_url(999999)), 404, "not-found")


def test_seeing_all_tokens_is_not_enough_to_revoke_them(make_user, manager):
    auditor = make_user(None)
    auditor.user_permissions.add(
        Permission.objects.get(content_type__app_label="crisis_api", codename="view_apitoken")
    )
    client, _ = signed_in(auditor)
    token, _ = api_token_issue(user=manager)

    listed = client.get(LIST)
    body = assert_problem(client.post(revoke_url(token)), 403, "permission-denied")

    assert token.prefix in prefixes(listed)
    assert "crisis_api.change_apitoken" in body["detail"]
    token.refresh_from_db()
    assert token.revoked_at is None


def test_revoking_a_revoked_token_is_409_saying_when(manager, make_user):
    client, _ = signed_in(manager)
    token, _ = api_token_issue(user=make_user("responder"))
    first = client.post(revoke_url(token)).json()

    body = assert_problem(client.post(revoke_url(token)), 409, "already-revoked")

    assert body["revoked_at"] == ApiToken.objects.get(pk=token.pk).revoked_at.isoformat()
    assert token.prefix in body["detail"]
    assert first["revoked_at"] is not None
    assert Event.objects.filter(action="api_token.revoked").count() == 1


def test_revoke_refuses_get(viewer):
    client, token = signed_in(viewer)

    assert_problem(client.get(revoke_url(token)), 405, "method-not-allowed")


# --- authentication ---------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["get", "post"])
def test_no_credentials_is_401(method, viewer, db):
    token, _ = api_token_issue(user=viewer)
    url = LIST if method == "get" else revoke_url(token)

    response = getattr(APIClient(), method)(url)

    assert_problem(response, 401, "not-authenticated")
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


@pytest.mark.parametrize("how", ["revoked", "expired"])
def test_a_dead_token_is_401(how, viewer):
    token, secret = api_token_issue(user=viewer)
    if how == "revoked":
        api_token_revoke(token=token)
    else:
        ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now())

    body = assert_problem(bearer(secret).get(LIST), 401, "authentication-failed")

    assert body["detail"].startswith("Invalid, expired or revoked token")


def test_session_users_list_their_tokens_too(client, viewer):
    token, _ = api_token_issue(user=viewer)
    client.force_login(viewer)

    response = client.get(LIST)

    assert response.status_code == 200
    assert [t["id"] for t in response.json()["results"]] == [token.pk]
