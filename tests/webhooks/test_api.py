"""The webhook API: managers only; the secret shown once; deliveries with attempts; redeliver."""

import pytest
from django.urls import reverse

from crisis_api.webhooks.models import Delivery, Endpoint
from tests.webhooks.conftest import run_worker

pytestmark = pytest.mark.django_db

LIST = reverse("webhook-list")


def body(url="http://127.0.0.1:9/hook", **fields):
    return {"url": url, "event_types": ["*"], **fields}


@pytest.fixture
def manager_client(make_user, client_for, settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK = True
    return client_for(make_user("manager"))


def test_a_manager_registers_an_endpoint_and_sees_the_secret_once(manager_client):
    created = manager_client.post(LIST, body(description="on-call"), format="json")
    assert created.status_code == 201, created.json()
    secret = created.json()["secret"]
    assert secret.startswith("whsec_") and len(secret) >= 6 + 32
    detail = manager_client.get(reverse("webhook-detail", args=[created.json()["id"]]))
    assert detail.status_code == 200 and "secret" not in detail.json()
    assert "secret" not in manager_client.get(LIST).json()["results"][0]


def test_rotate_secret_returns_a_new_one_and_keeps_the_old_24_hours(manager_client):
    created = manager_client.post(LIST, body(), format="json").json()
    url = reverse("webhook-rotate-secret", args=[created["id"]])
    rotated = manager_client.post(url)
    assert rotated.status_code == 200
    assert rotated.json()["secret"] != created["secret"]
    endpoint = Endpoint.objects.get()
    assert endpoint.previous_secret == created["secret"]
    assert rotated.json()["previous_secret_expires_at"] is not None


@pytest.mark.parametrize(
    ("role", "status"),
    [(None, 403), ("monitor", 403), ("viewer", 403), ("responder", 403), ("manager", 200)],
)
def test_only_managers_may_use_webhooks(role, status, make_user, client_for):
    client = client_for(make_user(role))
    response = client.get(LIST)
    assert response.status_code == status
    if status == 403:
        assert response["Content-Type"].startswith("application/problem+json")
        assert response.json()["status"] == 403
        assert client.post(LIST, body(), format="json").status_code == 403
        assert client.post(reverse("delivery-redeliver", args=[1])).status_code == 403


def test_anonymous_gets_401():
    from rest_framework.test import APIClient

    response = APIClient().get(LIST)
    assert response.status_code == 401
    assert response.json()["status"] == 401


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://[::ffff:127.0.0.1]/",
        "http://169.254.169.254/latest/meta-data/",
        "http://100.64.0.1/",
        "http://10.0.0.1/",
        "http://192.168.1.1/",
        "http://[::1]/",
        "http://224.0.0.1/",
        "http://0.0.0.0/",
        "http://localhost/",
        "http://[2002:a9fe:a9fe::]/",  # 6to4 carrying 169.254.169.254
        "http://[2002:a00:1::]/",  # 6to4 carrying 10.0.0.1
    ],
)
def test_the_ssrf_guard_refuses_internal_addresses(url, make_user, client_for):
    client = client_for(make_user("manager"))  # loopback not allowed here
    response = client.post(LIST, body(url), format="json")
    assert response.status_code == 400, response.json()
    assert "public addresses" in response.json()["errors"]["url"][0]
    assert not Endpoint.objects.exists()


def test_a_name_resolving_to_a_private_address_is_refused(make_user, client_for, monkeypatch):
    import socket

    monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **k: [(2, 1, 6, "", ("10.1.2.3", 443))])
    client = client_for(make_user("manager"))
    response = client.post(LIST, body("https://hooks.internal.example/"), format="json")
    assert response.status_code == 400
    assert "10.1.2.3" in response.json()["errors"]["url"][0]


def test_the_guard_is_checked_again_at_connection_time(
    receiver, make_endpoint, make_incident, settings
):
    make_endpoint(receiver.url)
    make_incident()
    settings.WEBHOOKS_ALLOW_LOOPBACK = False  # as if the name now resolved to loopback
    run_worker()
    assert receiver.requests == []
    attempt = Delivery.objects.get().attempt_set.get()
    assert attempt.status_code is None and "loopback" in attempt.error


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"url": "ftp://example.com/", "event_types": ["*"]}, "url"),
        ({"url": 5, "event_types": ["*"]}, "url"),
        ({"url": "http://127.0.0.1:9/" + "a" * 3000, "event_types": ["*"]}, "url"),
        ({"url": "http://127.0.0.1:9/\x00", "event_types": ["*"]}, "url"),
        ({"url": "http://127.0.0.1:9/", "event_types": "*"}, "event_types"),
        ({"url": "http://127.0.0.1:9/", "event_types": []}, "event_types"),
        ({"url": "http://127.0.0.1:9/", "event_types": ["Not An Action"]}, "event_types"),
        ({"url": "http://127.0.0.1:9/", "event_types": ["*"] * 1000}, "event_types"),
        ({"url": "http://127.0.0.1:9/", "event_types": [[["*"]]]}, "event_types"),
        ({"url": "http://127.0.0.1:9/", "event_types": ["*"], "active": "yes"}, "active"),
        ({"url": "http://127.0.0.1:9/", "event_types": ["*"], "secret": "x"}, "secret"),
        ({"url": "http://127.0.0.1:9/", "event_types": ["*"], "description": "x" * 501},
         "description"),
    ],
)  # fmt: skip
def test_hostile_input_gets_400_field_by_field(payload, field, manager_client):
    response = manager_client.post(LIST, payload, format="json")
    assert response.status_code == 400
    assert any(key.split(".")[0] == field for key in response.json()["errors"])


def test_unknown_endpoints_and_deliveries_are_404(manager_client):
    for url in (
        reverse("webhook-detail", args=[999]),
        reverse("webhook-deliveries", args=[999]),
        "/api/v1/webhooks/99999999999999999999999/",
    ):
        response = manager_client.get(url)
        assert response.status_code == 404
        assert response.json()["status"] == 404
    assert manager_client.post(reverse("delivery-redeliver", args=[999])).status_code == 404


def test_patch_and_delete(manager_client):
    created = manager_client.post(LIST, body(), format="json").json()
    url = reverse("webhook-detail", args=[created["id"]])
    changed = manager_client.patch(url, {"active": False}, format="json")
    assert changed.status_code == 200 and changed.json()["active"] is False
    assert manager_client.patch(url, {"url": "http://10.0.0.1/"}, format="json").status_code == 400
    assert manager_client.delete(url).status_code == 204
    assert not Endpoint.objects.exists()


def test_deliveries_with_attempts_and_redeliver(
    receiver, manager_client, make_endpoint, make_incident
):
    endpoint = make_endpoint(receiver.url)
    receiver.statuses = [500]
    make_incident()
    run_worker()
    delivery = Delivery.objects.get()
    listed = manager_client.get(reverse("webhook-deliveries", args=[endpoint.pk]))
    assert listed.status_code == 200
    row = listed.json()["results"][0]
    assert row["webhook_id"] == str(delivery.event_id)
    assert row["state"] == "pending" and row["attempts"][0]["status_code"] == 500
    redeliver = reverse("delivery-redeliver", args=[delivery.pk])
    conflict = manager_client.post(redeliver)
    assert conflict.status_code == 409
    assert conflict.json()["current_state"] == "pending"
    Delivery.objects.filter(pk=delivery.pk).update(state="dead")
    accepted = manager_client.post(redeliver)
    assert accepted.status_code == 202 and accepted.json()["state"] == "pending"
    run_worker()
    delivery.refresh_from_db()
    assert delivery.state == "delivered"


@pytest.mark.parametrize("rows", [1, 5])
def test_lists_take_a_fixed_number_of_queries(
    rows, manager_client, make_endpoint, make_incident, django_assert_num_queries
):
    endpoint = make_endpoint("http://127.0.0.1:9/")
    for _ in range(rows):
        make_endpoint("http://127.0.0.1:9/")
        make_incident()
    for delivery in Delivery.objects.all():
        delivery.attempt_set.create(at=delivery.created_at, status_code=500, duration_ms=3)
    # token and user, the user's permissions, then the page
    with django_assert_num_queries(3):
        assert len(manager_client.get(LIST).json()["results"]) == rows + 1
    with django_assert_num_queries(5):  # + the endpoint, the deliveries, their attempts
        response = manager_client.get(reverse("webhook-deliveries", args=[endpoint.pk]))
        assert len(response.json()["results"]) == rows
