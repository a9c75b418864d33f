"""The sweeper's work: hand stranded deliveries back to the workers, run the periodic jobs.

django-tasks has no retries of a killed worker's task and no periodic tasks; cron runs
`manage.py sweep` every minute for both. Two sweepers at once do no harm: a re-enqueued
delivery is sent by whoever takes its lease, and each job's row is locked while it is claimed.
"""

from datetime import timedelta

from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from crisis_api.webhooks.models import Delivery, PeriodicJob
from crisis_api.webhooks.tasks import delivery_enqueue

# A due delivery enqueued this long ago and still not sent lost its task (or its worker).
STRANDED_AFTER = timedelta(minutes=2)


def deliveries_reenqueue_stranded(now=None) -> int:
    """Enqueue again every due delivery first in its stream whose lease expired or whose task
    vanished; returns how many."""
    now = now or timezone.now()
    ahead = Delivery.objects.filter(
        endpoint_id=OuterRef("endpoint_id"),
        stream=OuterRef("stream"),
        sequence__lt=OuterRef("sequence"),
        state=Delivery.State.PENDING,
    )
    stranded = (
        Delivery.objects.filter(
            state=Delivery.State.PENDING,
            endpoint__active=True,
            next_attempt_at__lte=now - STRANDED_AFTER,
        )
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lte=now - STRANDED_AFTER))
        .exclude(Exists(ahead))
    )
    count = 0
    with transaction.atomic():
        for delivery in stranded.select_for_update(skip_locked=True).only("pk"):
            Delivery.objects.filter(pk=delivery.pk).update(enqueued_at=now)
            delivery_enqueue(delivery)
            count += 1
    return count


def periodic_jobs_due(now=None) -> list[str]:
    """Claim the jobs of SWEEPER_JOBS whose interval has passed (each claimed by one sweeper)."""
    now = now or timezone.now()
    claimed = []
    for name, seconds in settings.SWEEPER_JOBS.items():
        PeriodicJob.objects.get_or_create(name=name)
        with transaction.atomic():
            job = PeriodicJob.objects.select_for_update(skip_locked=True).filter(name=name).first()
            if job is None:  # another sweeper holds it right now
                continue
            if job.last_run_at is not None and job.last_run_at > now - timedelta(seconds=seconds):
                continue
            job.last_run_at = now
            job.save(update_fields=["last_run_at"])
            claimed.append(name)
    return claimed


def sweep(stdout=None) -> tuple[int, list[str]]:
    """One sweep: stranded deliveries, then the periodic jobs due."""
    count = deliveries_reenqueue_stranded()
    jobs = periodic_jobs_due()
    for name in jobs:
        call_command(name, stdout=stdout)
    return count, jobs
