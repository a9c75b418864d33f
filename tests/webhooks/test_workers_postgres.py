"""Two workers on PostgreSQL never send one delivery twice (the lease under a row lock)."""

import threading

import pytest
from django.db import connections

from crisis_api.webhooks.models import Delivery
from crisis_api.webhooks.services import delivery_attempt
from tests.concurrency import POSTGRES_ONLY

pytestmark = [*POSTGRES_ONLY, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_two_workers_never_deliver_the_same_delivery_twice(receiver, make_endpoint, make_incident):
    make_endpoint(receiver.url)
    for _ in range(5):
        make_incident()
    ids = list(Delivery.objects.values_list("pk", flat=True))
    barrier = threading.Barrier(4)

    def worker():
        try:
            barrier.wait(timeout=10)
            for delivery_id in ids:
                delivery_attempt(delivery_id=delivery_id)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    sent = [r["headers"]["webhook-id"] for r in receiver.requests]
    assert sorted(sent) == sorted({*sent}) and len(sent) == len(ids)
    assert set(Delivery.objects.values_list("state", flat=True)) == {"delivered"}
    assert all(d.attempt_set.count() == 1 for d in Delivery.objects.all())


def test_workers_sending_different_deliveries_of_one_endpoint_do_not_skip_each_other(
    receiver, make_endpoint, make_incident
):
    """The claim locks the delivery row only: a lock on the shared endpoint row would make the
    other worker skip its own delivery (found by bench/webhooks.py with two db_workers)."""
    make_endpoint(receiver.url)
    for _ in range(20):
        make_incident()
    ids = list(Delivery.objects.values_list("pk", flat=True))
    barrier = threading.Barrier(2)

    def worker(mine):
        try:
            barrier.wait(timeout=10)
            for delivery_id in mine:
                delivery_attempt(delivery_id=delivery_id)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(ids[i::2],)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert set(Delivery.objects.values_list("state", flat=True)) == {"delivered"}
    assert len(receiver.requests) == len(ids)
