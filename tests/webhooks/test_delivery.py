"""Deliveries: created with the event, signed, retried on schedule, dead-lettered, in order."""

import json
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from crisis_api.webhooks import services
from crisis_api.webhooks.models import Delivery, Endpoint
from tests.webhooks.conftest import run_worker

pytestmark = pytest.mark.django_db(transaction=False)


def test_an_event_is_delivered_signed_and_verifiable(receiver, make_endpoint, make_incident):
    endpoint = make_endpoint(receiver.url)
    incident = make_incident()
    run_worker()
    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    payload = Webhook(endpoint.secret).verify(request["body"], request["headers"])
    assert payload["type"] == "incident.created"
    assert payload["data"]["incident"] == str(incident.pk)
    assert payload["data"]["reference"] == incident.reference
    delivery = Delivery.objects.get()
    assert request["headers"]["webhook-id"] == str(delivery.event_id)
    assert delivery.state == "delivered" and delivery.attempts == 1
    assert delivery.attempt_set.get().status_code == 200


def test_the_verifier_refuses_a_changed_body_an_old_timestamp_and_another_secret(
    receiver, make_endpoint, make_incident
):
    endpoint = make_endpoint(receiver.url)
    make_incident()
    run_worker()
    request = receiver.requests[0]
    webhook = Webhook(endpoint.secret)
    with pytest.raises(WebhookVerificationError, match="No matching signature"):
        webhook.verify(request["body"].replace(b"incident", b"incidenT"), request["headers"])
    with (
        time_machine.travel(timezone.now() + timedelta(minutes=6)),
        pytest.raises(WebhookVerificationError, match="too old"),
    ):
        webhook.verify(request["body"], request["headers"])
    with pytest.raises(WebhookVerificationError):
        Webhook(services.new_secret()).verify(request["body"], request["headers"])


def test_after_a_rotation_both_secrets_verify_for_24_hours(receiver, make_endpoint, make_incident):
    endpoint = make_endpoint(receiver.url)
    old = endpoint.secret
    endpoint = services.endpoint_rotate_secret(endpoint=endpoint)
    make_incident()
    run_worker()
    request = receiver.requests[0]
    for secret in (old, endpoint.secret):
        Webhook(secret).verify(request["body"], request["headers"])
    assert len(request["headers"]["webhook-signature"].split(" ")) == 2
    with time_machine.travel(timezone.now() + timedelta(hours=25), tick=False):
        services.delivery_redeliver(
            delivery=Delivery.objects.filter(pk=Delivery.objects.get().pk).update(state="dead")
            and Delivery.objects.get()
        )
        run_worker()
        late = receiver.requests[1]
        Webhook(endpoint.secret).verify(late["body"], late["headers"])
        with pytest.raises(WebhookVerificationError):
            Webhook(old).verify(late["body"], late["headers"])


def test_retries_follow_the_schedule_then_the_delivery_is_dead(
    receiver, make_endpoint, make_incident
):
    make_endpoint(receiver.url)
    receiver.statuses = [500] * 20
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        make_incident()
        run_worker()
        delivery = Delivery.objects.get()
        waits = []
        for expected in services.RETRY_DELAYS:
            delivery.refresh_from_db()
            wait = delivery.next_attempt_at - timezone.now()
            assert expected <= wait <= expected * (1 + services.JITTER) + timedelta(seconds=1)
            waits.append(wait)
            clock.move_to(timezone.now() + expected / 2)
            run_worker()  # not due yet: nothing sent
            assert len(receiver.requests) == delivery.attempts
            clock.move_to(delivery.next_attempt_at)
            run_worker()
        delivery.refresh_from_db()
    assert delivery.state == "dead" and delivery.attempts == services.MAX_ATTEMPTS == 10
    assert len(receiver.requests) == 10
    assert [a.status_code for a in delivery.attempt_set.all()] == [500] * 10
    ids = {r["headers"]["webhook-id"] for r in receiver.requests}
    assert ids == {str(delivery.event_id)}  # the same webhook-id across retries


def test_retry_after_is_honoured(receiver, make_endpoint, make_incident):
    make_endpoint(receiver.url)
    receiver.statuses = [429]
    receiver.headers = {"Retry-After": "120"}
    with time_machine.travel(timezone.now(), tick=False):
        make_incident()
        run_worker()
        delivery = Delivery.objects.get()
        assert delivery.next_attempt_at - timezone.now() >= timedelta(seconds=120)


def test_a_410_disables_the_endpoint(receiver, make_endpoint, make_incident):
    endpoint = make_endpoint(receiver.url)
    receiver.statuses = [410]
    make_incident()
    run_worker()
    endpoint.refresh_from_db()
    assert endpoint.active is False and "410" in endpoint.disabled_reason
    assert Delivery.objects.get().state == "dead"


def test_a_redirect_is_not_followed(receiver, make_endpoint, make_incident):
    make_endpoint(receiver.url)
    receiver.statuses = [302]
    make_incident()
    run_worker()
    assert len(receiver.requests) == 1
    assert Delivery.objects.get().state == "pending"


def test_a_dead_delivery_is_redelivered(receiver, make_endpoint, make_incident):
    make_endpoint(receiver.url)
    make_incident()
    delivery = Delivery.objects.get()
    Delivery.objects.filter(pk=delivery.pk).update(state="dead")
    run_worker()
    assert receiver.requests == []
    services.delivery_redeliver(delivery=delivery)
    run_worker()
    delivery.refresh_from_db()
    assert delivery.state == "delivered" and len(receiver.requests) == 1


def test_one_incident_s_deliveries_leave_in_order_even_after_a_long_outage(
    receiver, make_endpoint, make_incident, make_user
):
    make_endpoint(receiver.url)
    receiver.statuses = [503] * 3
    with time_machine.travel(timezone.now(), tick=False) as clock:
        incident = make_incident("resolved")
        events = list(Delivery.objects.filter(stream=incident.stream).order_by("sequence"))
        for _ in range(8):
            run_worker()
            clock.move_to(timezone.now() + timedelta(hours=3))
    sequences = [json.loads(r["body"])["data"]["sequence"] for r in receiver.requests[3:]]
    assert sequences == [d.sequence for d in events]
    assert set(Delivery.objects.values_list("state", flat=True)) == {"delivered"}


def test_only_matching_active_endpoints_get_deliveries(receiver, make_endpoint, make_incident):
    wanted = make_endpoint(receiver.url, event_types=["incident.created"])
    make_endpoint(receiver.url, event_types=["incident.resolved"])
    make_endpoint(receiver.url, active=False)
    make_incident("assessed")
    assert list(Delivery.objects.values_list("endpoint", "payload__type")) == [
        (wanted.pk, "incident.created")
    ]


def test_confidential_events_only_go_to_endpoints_allowed_them(make_endpoint, make_incident):
    plain = make_endpoint("http://127.0.0.1:9/")
    allowed = make_endpoint("http://127.0.0.1:9/", allow_confidential=True)
    make_incident(is_confidential=True)
    assert set(Delivery.objects.values_list("endpoint", flat=True)) == {allowed.pk}
    make_incident()
    assert Delivery.objects.filter(endpoint=plain).count() == 1


def test_no_endpoint_no_delivery_and_a_rolled_back_event_leaves_no_delivery(
    make_endpoint, make_incident
):
    make_incident()
    assert not Delivery.objects.exists()
    make_endpoint("http://127.0.0.1:9/")
    with pytest.raises(RuntimeError), __import__("django.db").db.transaction.atomic():
        make_incident()
        raise RuntimeError
    assert not Delivery.objects.exists()
    assert Endpoint.objects.count() == 1
