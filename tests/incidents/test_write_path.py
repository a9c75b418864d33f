"""The write path's round trips: creation and transitions in a fixed number of queries, with
the same references, events and chains as before."""

from datetime import UTC, datetime

import pytest
from django.db import IntegrityError, transaction

from crisis_api.events.services import event_append
from crisis_api.events.verification import verify_stream
from crisis_api.models import Event, EventStream
from incidents import services
from incidents.models import Incident, ReferenceCounter


def test_references_count_up_per_year(db, responder, settings):
    settings.INCIDENT_REFERENCE_PREFIX = "CR"
    year = datetime.now(UTC).year
    first = services.incident_create(actor=responder, title="One")
    second = services.incident_create(actor=responder, title="Two")
    assert first.reference == f"CR-{year}-0001"
    assert second.reference == f"CR-{year}-0002"
    assert ReferenceCounter.objects.get(year=year).last_number == 2


def test_a_counter_already_there_goes_on(db, responder):
    year = datetime.now(UTC).year
    ReferenceCounter.objects.create(year=year, last_number=41)
    incident = services.incident_create(actor=responder, title="The 42nd")
    assert incident.reference.endswith(f"-{year}-0042")
    assert ReferenceCounter.objects.get(year=year).last_number == 42


def test_a_failed_creation_gives_its_number_back(db, responder):
    year = datetime.now(UTC).year
    services.incident_create(actor=responder, title="One")
    with pytest.raises(IntegrityError), transaction.atomic():
        services.incident_create(actor=responder, title="x" * 10, category="not-a-category")
    assert ReferenceCounter.objects.get(year=year).last_number == 1
    assert services.incident_create(actor=responder, title="Two").reference.endswith("-0002")


def test_creation_records_its_event_and_starts_the_chain(db, responder, make_user):
    alice, bob = make_user("responder", "alice"), make_user("responder", "bob")
    incident = services.incident_create(
        actor=responder, title="Viral post", channels=["x"], participants=[bob, alice, bob]
    )
    assert sorted(incident.participants.values_list("username", flat=True)) == ["alice", "bob"]
    (event,) = Event.objects.filter(stream=incident.stream)
    assert (event.sequence, event.prev_hash) == (1, Event.GENESIS_HASH)
    assert event.action == "incident.created"
    assert event.to_status == "detected"
    assert event.changes["participants"] == {"from": None, "to": ["alice", "bob"]}
    assert event.changes["title"] == {"from": None, "to": "Viral post"}
    assert event.changes["channels"] == {"from": None, "to": ["x"]}
    assert "owner" not in event.changes and "summary" not in event.changes
    head = EventStream.objects.get(name=incident.stream)
    assert (head.last_sequence, head.last_hash) == (1, event.hash)
    assert verify_stream(incident.stream).valid


def test_a_new_stream_that_exists_is_refused(db, responder):
    incident = services.incident_create(actor=responder, title="Viral post")
    with pytest.raises(IntegrityError), transaction.atomic():
        event_append(stream=incident.stream, action="incident.noted", new_stream=True)
    assert Event.objects.filter(stream=incident.stream).count() == 1
    assert verify_stream(incident.stream).valid


def test_creation_in_fixed_queries(db, responder, make_user, django_assert_num_queries):
    alice = make_user("responder", "alice")
    # counter upsert, incident, participants, stream head, event, head moved, active webhook
    # endpoints (with a savepoint around the transaction of the test)
    with django_assert_num_queries(9):
        services.incident_create(actor=responder, title="Viral post", participants=[alice])
    with django_assert_num_queries(8):  # no participants: nothing to add
        services.incident_create(actor=responder, title="Viral post")


def test_transition_in_fixed_queries(make_incident, manager, django_assert_num_queries):
    incident = make_incident("responding", actor=manager)
    # the row locked with its owner, saved; the head locked, the event, the head moved, active
    # webhook endpoints; open actions counted for the resolve event (savepoints of the test)
    with django_assert_num_queries(9):
        services.incident_resolve(
            incident_id=incident.pk,
            actor=manager,
            resolution_summary="Apology posted.",
            expected_version=incident.version,
        )
    with django_assert_num_queries(8):
        resolved = services.incident_reopen(incident_id=incident.pk, actor=manager, reason="Again")
    event = Event.objects.filter(stream=incident.stream).last()
    assert (event.action, event.from_status, event.to_status) == (
        "incident.reopened",
        "resolved",
        "responding",
    )
    assert resolved.status == "responding"
    assert verify_stream(incident.stream).valid
    assert Incident.objects.get(pk=incident.pk).version == incident.version + 2
