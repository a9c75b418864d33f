"""Writing the outbox: a delivery per matching endpoint for each event, in its transaction."""

from django.utils import timezone

from crisis_api.compiled import CompiledQuery
from crisis_api.events.hooks import describe_streams
from crisis_api.events.serializers import EventSerializer
from crisis_api.webhooks.models import Delivery, Endpoint


def event_payload(event, subject_data: dict) -> dict:
    """The body of a webhook: the event as the timeline shows it, with its record's ids."""
    data = dict(EventSerializer(event).data)
    return {
        "type": event.action,
        "timestamp": event.at.isoformat().replace("+00:00", "Z"),
        "data": {"id": event.pk, "stream": event.stream, **subject_data, **data},
    }


# Read on every append (most of which find none): compiled once per process.
_ACTIVE_ENDPOINTS = CompiledQuery(lambda: Endpoint.objects.filter(active=True))


def deliveries_create_for(events: list) -> list[Delivery]:
    """Create the deliveries of `events` (an append listener) and enqueue the ready ones.

    Fixed queries for any number of events: active endpoints, stream subjects, pending
    deliveries ahead in the same streams, one insert; then one enqueue per delivery that has
    nothing ahead of it (the others are enqueued when the one ahead finishes).
    """
    endpoints = _ACTIVE_ENDPOINTS.objects()
    if not endpoints:
        return []
    wanted = [(event, [e for e in endpoints if e.wants(event.action)]) for event in events]
    wanted = [(event, targets) for event, targets in wanted if targets]
    if not wanted:
        return []
    subjects = describe_streams(event.stream for event, _targets in wanted)
    busy = set(
        Delivery.objects.filter(
            state=Delivery.State.PENDING,
            stream__in=list(subjects),
            endpoint__in=[e.pk for e in endpoints],
        ).values_list("endpoint_id", "stream")
    )
    now = timezone.now()
    rows, ready = [], []
    for event, targets in wanted:
        subject = subjects[event.stream]
        payload = event_payload(event, subject.data)
        for endpoint in targets:
            if subject.confidential and not endpoint.allow_confidential:
                continue
            delivery = Delivery(
                endpoint=endpoint,
                event=event,
                stream=event.stream,
                sequence=event.sequence,
                payload=payload,
                next_attempt_at=now,
            )
            key = (endpoint.pk, event.stream)
            if key not in busy:
                busy.add(key)
                delivery.enqueued_at = now
                ready.append(delivery)
            rows.append(delivery)
    Delivery.objects.bulk_create(rows)
    from crisis_api.webhooks.tasks import delivery_enqueue

    for delivery in ready:
        delivery_enqueue(delivery)
    return rows
