"""The sweeper: stranded deliveries go back to the workers; periodic jobs run once per interval."""

from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from crisis_api.webhooks.models import Delivery, PeriodicJob
from crisis_api.webhooks.sweeper import deliveries_reenqueue_stranded, periodic_jobs_due
from tests.webhooks.conftest import run_worker

pytestmark = pytest.mark.django_db


def test_a_delivery_whose_worker_died_is_sent_after_its_lease(
    receiver, make_endpoint, make_incident
):
    make_endpoint(receiver.url)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        make_incident()
        # A worker took the lease and died mid-send; its task is gone.
        Delivery.objects.update(
            lease_holder="dead-worker", lease_until=timezone.now() + timedelta(seconds=60)
        )
        DBTaskResult.objects.all().delete()
        assert deliveries_reenqueue_stranded() == 0  # lease still held
        clock.move_to(timezone.now() + timedelta(minutes=3))
        assert deliveries_reenqueue_stranded() == 1
        assert deliveries_reenqueue_stranded() == 0  # just re-enqueued: not twice
        run_worker()
    assert len(receiver.requests) == 1
    assert Delivery.objects.get().state == "delivered"


def test_periodic_jobs_run_once_per_interval(settings):
    settings.SWEEPER_JOBS = {"check_deadlines": 60}
    with time_machine.travel(timezone.now(), tick=False) as clock:
        assert periodic_jobs_due() == ["check_deadlines"]
        assert periodic_jobs_due() == []  # a second sweeper in the same minute
        clock.move_to(timezone.now() + timedelta(seconds=61))
        assert periodic_jobs_due() == ["check_deadlines"]
    assert PeriodicJob.objects.count() == 1


def test_the_sweep_command(capsys, settings):
    settings.SWEEPER_JOBS = {"check_deadlines": 60}
    call_command("sweep")
    assert "ran check_deadlines" in capsys.readouterr().out


def test_the_admin_redelivers_a_dead_delivery(
    admin_client_for, make_user, make_endpoint, make_incident
):
    make_endpoint("http://127.0.0.1:9/")
    make_incident()
    delivery = Delivery.objects.get()
    Delivery.objects.update(state="dead")
    client = admin_client_for(make_user("manager"))
    response = client.post(
        "/admin/webhooks/delivery/",
        {"action": "redeliver", "_selected_action": [delivery.pk]},
    )
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert delivery.state == "pending" and delivery.attempts == 0
    assert client.get(f"/admin/webhooks/delivery/{delivery.pk}/change/").status_code == 200
    assert client.get("/admin/webhooks/endpoint/").status_code == 200
