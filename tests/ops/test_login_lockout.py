"""§4: the admin login locks a username from one address after repeated failures, for a while."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from crisis_api.auth.lockout import client_ip

LOGIN = reverse("admin:login")
PASSWORD = "correct horse battery staple"


@pytest.fixture
def staff(make_user):
    user = make_user("manager", username="camille")
    user.is_staff = True
    user.set_password(PASSWORD)
    user.save()
    return user


def login(client, username, password, address="203.0.113.7", **headers):
    return client.post(
        LOGIN,
        {"username": username, "password": password, "next": "/admin/"},
        REMOTE_ADDR=address,
        **headers,
    )


def fail(client, username, times, address="203.0.113.7", **headers):
    """`times` wrong passwords; the last answer (the fifth is already refused: 429)."""
    for _ in range(times):
        response = login(client, username, "wrong", address, **headers)
    return response


def test_a_wrong_password_shows_the_form_again(staff, client, plain_static_files):
    response = login(client, "camille", "wrong")

    assert response.status_code == 200
    assert "Please enter the correct username and password" in response.content.decode()


def test_five_failures_lock_the_pair_even_with_the_right_password(
    staff, client, plain_static_files
):
    assert fail(client, "camille", 4).status_code == 200
    assert fail(client, "camille", 1).status_code == 429

    response = login(client, "camille", PASSWORD)

    assert response.status_code == 429
    assert response["Retry-After"] == "900"
    assert "wait 15 minutes" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_four_failures_do_not_lock(staff, client, plain_static_files):
    assert fail(client, "camille", 4).status_code == 200

    assert login(client, "camille", PASSWORD).status_code == 302


def test_the_same_user_from_another_address_still_logs_in(staff, client, plain_static_files):
    fail(client, "camille", 5)

    assert login(client, "camille", PASSWORD, address="198.51.100.9").status_code == 302


def test_a_colleague_behind_the_same_address_still_logs_in(
    staff, make_user, client, plain_static_files
):
    colleague = make_user("manager", username="dominique")
    colleague.is_staff = True
    colleague.set_password(PASSWORD)
    colleague.save()
    fail(client, "camille", 5)

    assert login(client, "dominique", PASSWORD).status_code == 302


def test_the_lock_ends_after_the_cool_off(staff, client, plain_static_files):
    fail(client, "camille", 5)
    assert login(client, "camille", PASSWORD).status_code == 429

    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        assert login(client, "camille", PASSWORD).status_code == 302


def test_a_forged_forwarded_for_does_not_escape_the_lock(staff, client, plain_static_files):
    fail(client, "camille", 5)

    response = login(client, "camille", PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.55")

    assert response.status_code == 429


def test_the_api_token_users_are_not_counted(staff, client_for):
    # Tokens do not go through authenticate(): a caller with a token is never locked out.
    client = client_for(get_user_model().objects.get(username="camille"))

    assert client.get(reverse("incident-list")).status_code == 200


def test_client_ip_reads_forwarded_for_only_as_far_as_the_proxies(rf, settings):
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7")

    assert client_ip(request) == "10.0.0.1"  # no proxy configured: the header is ignored
    settings.NUM_PROXIES = 1
    assert client_ip(request) == "203.0.113.7"  # what our one proxy saw, not what was claimed
    settings.NUM_PROXIES = 5
    assert client_ip(request) == "6.6.6.6"
