"""Token services: lifetimes are bounded, issue and revoke are atomic, use is recorded sparingly."""

import threading
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError, SystemCheckError
from django.db import DatabaseError, connection, connections
from django.utils import timezone
from rest_framework.test import APIRequestFactory

from crisis_api.auth.authentication import BearerTokenAuthentication
from crisis_api.auth.checks import check_token_settings
from crisis_api.auth.token_use import api_token_find, api_token_touch
from crisis_api.auth.tokens import (
    InvalidTokenLifetime,
    TokenAlreadyRevoked,
    api_token_issue,
    api_token_revoke,
)
from crisis_api.events.services import SYSTEM_STREAM
from crisis_api.models import ApiToken, Event, TokenState


def _system_actions():
    return list(Event.objects.filter(stream=SYSTEM_STREAM).values_list("action", flat=True))


# --- lifetime ---------------------------------------------------------------------------------


def test_default_lifetime_is_api_token_default_days(responder, settings):
    settings.API_TOKEN_DEFAULT_DAYS = 90
    before = timezone.now()

    token, _ = api_token_issue(user=responder)

    assert before + timedelta(days=90) <= token.expires_at <= timezone.now() + timedelta(days=90)
    assert token.state == TokenState.ACTIVE


@pytest.mark.parametrize("days", [1, 365])
def test_lifetime_bounds_are_accepted(days, responder, settings):
    settings.API_TOKEN_MAX_DAYS = 365

    token, _ = api_token_issue(user=responder, days=days)

    assert token.expires_at - token.created_at == pytest.approx(
        timedelta(days=days), abs=timedelta(seconds=5)
    )


@pytest.mark.parametrize("days", [0, -1, 366, True, "30", 1.5])
def test_lifetime_outside_bounds_is_refused_and_nothing_is_written(days, responder, settings):
    settings.API_TOKEN_MAX_DAYS = 365

    with pytest.raises(InvalidTokenLifetime) as error:
        api_token_issue(user=responder, days=days)

    assert error.value.status_code == 400
    assert error.value.extra["errors"]["days"] == [
        f"A token lives between 1 and 365 days (API_TOKEN_MAX_DAYS); {days} is outside that range."
    ]
    assert not ApiToken.objects.exists()
    assert "api_token.issued" not in _system_actions()


def test_issue_rolls_back_the_token_when_its_event_fails(responder, monkeypatch):
    def fail(**kwargs):
        raise DatabaseError("event log down")

    monkeypatch.setattr("crisis_api.auth.tokens.event_append", fail)

    with pytest.raises(DatabaseError):
        api_token_issue(user=responder)

    assert not ApiToken.objects.exists()


# --- revoke -----------------------------------------------------------------------------------


def test_revoke_records_one_event_and_a_second_revoke_is_refused(responder, manager):
    token, _ = api_token_issue(user=responder)

    revoked = api_token_revoke(token=token, actor=manager)
    with pytest.raises(TokenAlreadyRevoked) as error:
        api_token_revoke(token=token, actor=manager)

    assert revoked.state == TokenState.REVOKED
    assert error.value.status_code == 409
    assert error.value.extra == {"revoked_at": revoked.revoked_at.isoformat()}
    assert _system_actions().count("api_token.revoked") == 1
    token.refresh_from_db()
    assert token.revoked_at == revoked.revoked_at


def test_revoke_rolls_back_when_its_event_fails(responder, monkeypatch):
    token, _ = api_token_issue(user=responder)

    def fail(**kwargs):
        raise DatabaseError("event log down")

    monkeypatch.setattr("crisis_api.auth.tokens.event_append", fail)

    with pytest.raises(DatabaseError):
        api_token_revoke(token=token)

    token.refresh_from_db()
    assert token.revoked_at is None


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: SQLite test databases live in one connection's memory",
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_revokes_record_one_event(make_user):
    token, _ = api_token_issue(user=make_user("responder"))
    racers = 6
    barrier = threading.Barrier(racers)
    outcomes = [None] * racers

    def revoke(index):
        try:
            barrier.wait(timeout=10)
            api_token_revoke(token=token)
            outcomes[index] = "revoked"
        except TokenAlreadyRevoked:
            outcomes[index] = "already"
        finally:
            connections.close_all()

    threads = [threading.Thread(target=revoke, args=(i,)) for i in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["already"] * (racers - 1) + ["revoked"]
    assert _system_actions().count("api_token.revoked") == 1


# --- finding and last use ---------------------------------------------------------------------


def test_find_refuses_revoked_expired_and_deactivated(make_user):
    active, revoked, expired, deactivated = (
        api_token_issue(user=make_user("viewer")) for _ in range(4)
    )
    api_token_revoke(token=revoked[0])
    ApiToken.objects.filter(pk=expired[0].pk).update(expires_at=timezone.now())
    deactivated[0].user.is_active = False
    deactivated[0].user.save(update_fields=["is_active"])

    assert api_token_find(active[1]) == active[0]
    assert api_token_find(revoked[1]) is None
    assert api_token_find(expired[1]) is None
    assert api_token_find(deactivated[1]) is None


def test_first_use_is_recorded_with_one_update(responder, django_assert_num_queries):
    token, secret = api_token_issue(user=responder)

    with django_assert_num_queries(2):  # the lookup, then the conditional UPDATE
        found = api_token_find(secret)
        assert api_token_touch(token=found)

    token.refresh_from_db()
    assert token.last_used_at == found.last_used_at is not None


def test_recent_use_costs_no_write(responder, settings, django_assert_num_queries):
    settings.API_TOKEN_LAST_USED_MINUTES = 5
    token, secret = api_token_issue(user=responder)
    api_token_touch(token=token)

    with django_assert_num_queries(1):  # the lookup only
        assert not api_token_touch(token=api_token_find(secret))


def test_use_after_the_interval_is_recorded_again(responder, settings):
    settings.API_TOKEN_LAST_USED_MINUTES = 5
    token, _ = api_token_issue(user=responder)
    first = timezone.now() - timedelta(minutes=6)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first)
    token.refresh_from_db()

    assert api_token_touch(token=token)
    token.refresh_from_db()
    assert token.last_used_at > first + timedelta(minutes=5)


def test_a_stale_copy_does_not_write_when_another_request_already_did(responder):
    # Two requests read the token before either wrote: only the first UPDATE matches a row.
    token, _ = api_token_issue(user=responder)
    first_copy = ApiToken.objects.get(pk=token.pk)
    second_copy = ApiToken.objects.get(pk=token.pk)

    assert api_token_touch(token=first_copy)
    assert not api_token_touch(token=second_copy)


# --- settings check ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("default", "maximum", "minutes", "problems"),
    [
        (90, 365, 5, []),
        (365, 365, 1, []),
        (400, 365, 5, ["API_TOKEN_DEFAULT_DAYS is 400 but must be between 1 and "
                       "API_TOKEN_MAX_DAYS (365); lower the default or raise the maximum."]),
        (0, 365, 5, ["API_TOKEN_DEFAULT_DAYS is 0 but must be between 1 and "
                     "API_TOKEN_MAX_DAYS (365); lower the default or raise the maximum."]),
        (1, 0, 5, ["API_TOKEN_MAX_DAYS is 0; set it to 1 or more (every token expires)."]),
        (90, 365, 0, ["API_TOKEN_LAST_USED_MINUTES is 0; set it to 1 or more."]),
    ],
)  # fmt: skip
def test_token_settings_check(default, maximum, minutes, problems, settings):
    settings.API_TOKEN_DEFAULT_DAYS = default
    settings.API_TOKEN_MAX_DAYS = maximum
    settings.API_TOKEN_LAST_USED_MINUTES = minutes

    errors = check_token_settings(None)

    assert [error.msg for error in errors] == problems
    assert {error.id for error in errors} <= {"crisis_api.E101"}


def test_manage_py_check_fails_when_the_default_exceeds_the_maximum(settings):
    settings.API_TOKEN_DEFAULT_DAYS = 400
    settings.API_TOKEN_MAX_DAYS = 365

    with pytest.raises(SystemCheckError, match=r"crisis_api\.E101"):
        call_command("check")


# --- create_api_token -------------------------------------------------------------------------


@pytest.mark.parametrize("days", ["0", "-3", "366"])
def test_create_api_token_refuses_days_outside_bounds_before_writing(days, db, settings):
    settings.API_TOKEN_MAX_DAYS = 365

    with pytest.raises(CommandError, match=r"--days must be between 1 and 365"):
        call_command("create_api_token", "bot", "--role", "responder", "--days", days)

    assert not ApiToken.objects.exists()
    assert not get_user_model().objects.filter(username="bot").exists()


def test_create_api_token_with_days(db, capsys):
    call_command("create_api_token", "bot", "--role", "responder", "--days", "7")

    captured = capsys.readouterr()
    token = api_token_find(captured.out.strip().splitlines()[-1])
    assert token.expires_at - token.created_at == pytest.approx(
        timedelta(days=7), abs=timedelta(seconds=5)
    )
    assert token.expires_at.isoformat() in captured.err


def test_authentication_is_one_select_when_no_write_is_due(responder, django_assert_num_queries):
    _, secret = api_token_issue(user=responder)
    request = APIRequestFactory().get("/api/v1/tokens/", HTTP_AUTHORIZATION=f"Bearer {secret}")
    authentication = BearerTokenAuthentication()

    with django_assert_num_queries(2):  # first use: the lookup and the UPDATE
        authentication.authenticate(request)
    with django_assert_num_queries(1):  # within the interval: the lookup only
        user, token = authentication.authenticate(request)

    assert user == responder and token.last_used_at is not None
