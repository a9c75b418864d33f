"""Rate limits: per token, per anonymous address, signal batches; 429 with Retry-After."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory
from rest_framework.test import APIClient

from crisis_api.throttling import client_address, parse_rate

URL = "/api/v1/incidents/"
# 20 seconds into a minute: the window ends in 40.
NOW = datetime(2026, 11, 20, 9, 0, 20, tzinfo=UTC)


def throttled(seconds: int) -> dict:
    return {
        "type": "urn:crisis-api:problem:throttled",
        "title": "Too Many Requests",
        "status": 429,
        "detail": f"Too many requests; retry in {seconds} seconds (see Retry-After), and spread "
        "your requests out.",
    }


@pytest.fixture
def low_rates(settings):
    settings.THROTTLE_USER_RATE = "3/min"
    settings.THROTTLE_ANON_RATE = "2/min"
    settings.THROTTLE_SIGNALS_RATE = "2/min"
    return settings


def test_a_token_over_its_rate_gets_429_until_the_window_ends(low_rates, responder, client_for):
    client = client_for(responder)
    with time_machine.travel(NOW, tick=False):
        assert [client.get(URL).status_code for _ in range(3)] == [200, 200, 200]
        response = client.get(URL)

    assert response.status_code == 429
    assert response["Retry-After"] == "40"
    assert response["Content-Type"] == "application/problem+json"
    assert response.json() == throttled(40)
    with time_machine.travel(NOW + timedelta(seconds=40), tick=False):
        assert client.get(URL).status_code == 200


def test_writes_count_too(low_rates, responder, client_for):
    client = client_for(responder)
    with time_machine.travel(NOW, tick=False):
        codes = [client.post(URL, {"title": f"n{i}"}, format="json").status_code for i in range(4)]

    assert codes == [201, 201, 201, 429]


def test_each_token_has_its_own_count(low_rates, responder, client_for):
    first, second = client_for(responder), client_for(responder)
    with time_machine.travel(NOW, tick=False):
        for _ in range(3):
            first.get(URL)

        assert first.get(URL).status_code == 429
        assert second.get(URL).status_code == 200


def test_anonymous_callers_are_counted_by_address_before_the_401(low_rates, db):
    client = APIClient(REMOTE_ADDR="203.0.113.7")
    other = APIClient(REMOTE_ADDR="203.0.113.8")
    with time_machine.travel(NOW, tick=False):
        codes = [client.get(URL).status_code for _ in range(3)]
        response = client.post(URL, {"title": "x"}, format="json")
        other_code = other.get(URL).status_code

    assert codes == [401, 401, 429]
    assert response.status_code == 429
    assert response["Retry-After"] == "40"
    assert response.json() == throttled(40)
    assert other_code == 401


def test_the_schema_is_throttled_per_address(low_rates, db):
    client = APIClient(REMOTE_ADDR="203.0.113.9")
    with time_machine.travel(NOW, tick=False):
        codes = [client.get("/api/v1/schema/").status_code for _ in range(3)]

    assert codes == [200, 200, 429]


def test_signal_batches_have_their_own_budget(low_rates, make_user, client_for):
    monitor = client_for(make_user("monitor"))
    batch = {
        "signals": [
            {"platform": "x", "observed_at": "2026-11-20T08:30:00Z", "content": "Colis perdu"}
        ]
    }
    low_rates.THROTTLE_USER_RATE = "1/min"
    with time_machine.travel(NOW, tick=False):
        codes = [
            monitor.post("/api/v1/signals/", batch, format="json").status_code for _ in range(3)
        ]

    assert codes == [200, 200, 429]


def test_a_french_caller_reads_french(low_rates, responder, client_for):
    client = client_for(responder)
    with time_machine.travel(NOW, tick=False):
        for _ in range(3):
            client.get(URL)
        response = client.get(URL, HTTP_ACCEPT_LANGUAGE="fr")

    assert response.json()["title"] == "Trop de requêtes"
    assert "40" in response.json()["detail"]


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "198.51.100.1", "10.0.0.2"),  # no proxy configured: the header is the client's
        (1, "198.51.100.1", "198.51.100.1"),
        (1, "6.6.6.6, 198.51.100.1", "198.51.100.1"),  # a forged entry on the left
        (2, "6.6.6.6, 198.51.100.1, 192.0.2.9", "198.51.100.1"),
        (2, "198.51.100.1", "198.51.100.1"),  # fewer entries than proxies
        (1, "", "10.0.0.2"),
        (1, "not-an-address", "not-an-address"),
        (1, "2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
        (1, "::ffff:198.51.100.1", "198.51.100.1"),
    ],
)
def test_the_client_address_trusts_only_the_configured_proxies(
    settings, proxies, forwarded, expected
):
    settings.NUM_PROXIES = proxies
    request = RequestFactory().get(URL, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)

    assert client_address(request) == expected


@pytest.mark.parametrize(
    ("rate", "parsed"),
    [("600/min", (600, 60)), ("10/s", (10, 1)), ("5/hour", (5, 3600)), ("1/day", (1, 86400))],
)
def test_rates_are_drf_rate_strings(rate, parsed):
    assert parse_rate(rate) == parsed


@pytest.mark.parametrize("rate", ["600", "x/min", "10/week", "10/"])
def test_a_bad_rate_says_how_to_write_it(rate):
    with pytest.raises(ImproperlyConfigured, match=r"e\.g\. 600/min"):
        parse_rate(rate)


@pytest.mark.django_db
def test_the_schema_documents_429_on_every_operation():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    for operations in schema["paths"].values():
        for operation in operations.values():
            response = operation["responses"]["429"]
            assert response["headers"]["Retry-After"]["required"] is True
            example = response["content"]["application/problem+json"]["examples"]
            assert example["TooManyRequests"]["value"]["status"] == 429


def _redis_reachable() -> bool:
    import socket

    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        return False
    return True


@pytest.mark.skipif(not _redis_reachable(), reason="needs Redis on 127.0.0.1:6379")
def test_the_count_is_shared_through_redis(low_rates, responder, client_for):
    import uuid

    low_rates.CACHES = {
        **low_rates.CACHES,
        "shared": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/0",
            "KEY_PREFIX": f"test-{uuid.uuid4().hex}",
        },
    }
    low_rates.THROTTLE_CACHE_ALIAS = "shared"
    first, second = client_for(responder), client_for(responder)
    token = responder.api_tokens.order_by("pk").first()
    from django.core.cache import caches

    with time_machine.travel(NOW, tick=False):
        codes = [first.get(URL).status_code for _ in range(4)]
        window = int(NOW.timestamp() // 60)
        stored = caches["shared"].get(f"throttle:user:60:token:{token.pk}:{window}")
        other = second.get(URL).status_code

    assert codes == [200, 200, 200, 429]
    assert stored == 4
    assert other == 200


def test_the_settings_are_checked_at_start(settings):
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    settings.THROTTLE_ANON_RATE = "60/week"
    settings.NUM_PROXIES = -1
    with pytest.raises(SystemCheckError) as raised:
        call_command("check")

    message = str(raised.value)
    assert 'THROTTLE_ANON_RATE is "60/week"; write it as <number>/<s|min|hour|day>' in message
    assert "NUM_PROXIES is -1; set it to 0 (no proxy) or the number of proxies." in message
    assert "crisis_api.E110" in message
