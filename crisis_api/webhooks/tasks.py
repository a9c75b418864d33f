"""The background task that sends one delivery (django-tasks; any backend)."""

from django_tasks import task


@task()
def deliver(delivery_id: int) -> str:
    """Try to send the delivery once; its row says whether and when (duplicates are no-ops)."""
    from crisis_api.webhooks.services import delivery_attempt

    return delivery_attempt(delivery_id=delivery_id)


def delivery_enqueue(delivery, run_after=None) -> None:
    """Enqueue the sending of `delivery` (inside the caller's transaction, with the DB backend)."""
    (deliver.using(run_after=run_after) if run_after is not None else deliver).enqueue(delivery.pk)
