"""The event log: chaining, append-only, tamper detection, and the verify_audit command."""

import itertools

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.urls import reverse

from crisis_api.events.hashing import hash_of
from crisis_api.events.services import SYSTEM_STREAM, event_append
from crisis_api.events.verification import verify_all, verify_stream
from crisis_api.models import Event
from crisis_api.models.events import AppendOnlyError


def _as_table_owner(sql: str, params: list) -> None:
    """Run SQL as someone who can switch the PostgreSQL trigger off (it is back after)."""
    trigger = "crisis_api_event_append_only"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no deferred checks may be pending
            cursor.execute(f"ALTER TABLE crisis_api_event DISABLE TRIGGER {trigger}")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE crisis_api_event ENABLE TRIGGER {trigger}")


def _tamper(event_id: int, **values) -> None:
    """Change a stored event behind the ORM's back, as an attacker with SQL access would."""
    columns = ", ".join(f"{name} = %s" for name in values)
    _as_table_owner(
        f"UPDATE crisis_api_event SET {columns} WHERE id = %s", [*values.values(), event_id]
    )


def test_events_form_a_hash_chain(make_incident, manager):
    incident = make_incident("reviewed", actor=manager)
    events = list(Event.objects.filter(stream=incident.stream))

    assert [e.sequence for e in events] == [1, 2, 3, 4, 5, 6]
    assert [e.action for e in events] == [
        "incident.created",
        "incident.assessed",
        "incident.response_started",
        "incident.resolved",
        "incident.reviewed",
        "action.created",  # the review's follow-up action
    ]
    assert events[0].prev_hash == "0" * 64
    for previous, event in itertools.pairwise(events):
        assert event.prev_hash == previous.hash
    for event in events:
        assert hash_of(event) == event.hash
        assert event.actor == manager
    assert verify_stream(incident.stream).valid


def test_transition_event_records_status_and_changes(make_incident, manager):
    incident = make_incident("assessed", actor=manager)
    event = Event.objects.filter(stream=incident.stream).last()

    assert (event.from_status, event.to_status) == ("detected", "assessed")
    assert event.changes["severity"] == {"from": None, "to": "high"}
    assert event.changes["scope"] == {"from": None, "to": "spreading"}
    assert event.changes["response_due_at"]["from"] is None


def test_orm_refuses_update_and_delete(make_incident):
    incident = make_incident()
    event = Event.objects.get(stream=incident.stream)

    event.note = "rewritten"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        Event.objects.filter(pk=event.pk).update(note="x")
    with pytest.raises(AppendOnlyError):
        Event.objects.filter(pk=event.pk).delete()


def test_event_rolls_back_with_its_change(db, manager):
    with pytest.raises(RuntimeError), transaction.atomic():
        event_append(stream=SYSTEM_STREAM, action="test.happened", actor=manager)
        raise RuntimeError("the change failed")

    assert not Event.objects.filter(action="test.happened").exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [("note", "nothing happened"), ("action", "incident.updated"), ("prev_hash", "f" * 64)],
)
def test_tampering_is_detected(field, value, make_incident, manager, client_for):
    incident = make_incident("resolved", actor=manager)
    second = Event.objects.get(stream=incident.stream, sequence=2)
    _tamper(second.pk, **{field: value})

    response = client_for(manager).get(reverse("incident-verify", kwargs={"pk": incident.pk}))

    assert response.status_code == 200
    reason = (
        "prev_hash does not match the previous event"
        if field == "prev_hash"
        else "content does not match its hash"
    )
    assert response.json() == {
        "valid": False,
        "events": 2,
        "first_invalid_sequence": 2,
        "reason": reason,
    }


def test_removed_last_event_is_detected(make_incident, manager):
    incident = make_incident("resolved", actor=manager)
    last = Event.objects.filter(stream=incident.stream).last()
    _as_table_owner("DELETE FROM crisis_api_event WHERE id = %s", [last.pk])

    report = verify_stream(incident.stream)

    assert not report.valid
    assert report.first_invalid_sequence == 4


def test_verify_endpoint_on_an_intact_chain(make_incident, manager, client_for):
    incident = make_incident("responding", actor=manager)

    response = client_for(manager).get(reverse("incident-verify", kwargs={"pk": incident.pk}))

    assert response.json() == {
        "valid": True,
        "events": 3,
        "first_invalid_sequence": None,
        "reason": "",
    }


def test_verify_audit_command_passes(make_incident, capsys):
    make_incident("resolved")
    make_incident()

    call_command("verify_audit")

    assert "OK: " in capsys.readouterr().out


def test_verify_audit_command_names_the_broken_event_and_exits_1(make_incident, capsys):
    incident = make_incident("resolved")
    third = Event.objects.get(stream=incident.stream, sequence=3)
    _tamper(third.pk, note="edited")

    with pytest.raises(CommandError) as error:
        call_command("verify_audit")

    assert error.value.returncode == 1
    out = capsys.readouterr().out
    assert f"BROKEN {incident.stream}: first invalid event is sequence 3" in out
    assert [r.stream for r in verify_all() if not r.valid] == [incident.stream]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL")
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE crisis_api_event SET note = 'x' WHERE id = %s",
        "DELETE FROM crisis_api_event WHERE id = %s",
    ],
)
def test_postgresql_trigger_rejects_update_and_delete(sql, make_incident):
    from django.db.utils import DatabaseError

    event = Event.objects.filter(stream=make_incident().stream).first()

    with pytest.raises(DatabaseError, match="append-only"), connection.cursor() as cursor:
        cursor.execute(sql, [event.pk])


def test_system_stream_records_token_issue_and_revoke(db, manager):
    from crisis_api.auth.tokens import api_token_issue, api_token_revoke

    token, _ = api_token_issue(user=manager, actor=manager, name="bot")
    api_token_revoke(token=token, actor=manager)

    actions = list(Event.objects.filter(stream=SYSTEM_STREAM).values_list("action", flat=True))
    assert actions[-2:] == ["api_token.issued", "api_token.revoked"]
    assert verify_stream(SYSTEM_STREAM).valid


def test_users_who_acted_cannot_be_deleted(make_incident, make_user):
    from django.db.models import ProtectedError

    actor = make_user("responder")
    make_incident(actor=actor)

    with pytest.raises(ProtectedError):
        actor.delete()


def test_many_events_to_many_streams_chain_like_one_by_one(db, manager, django_assert_num_queries):
    from crisis_api.events.services import NewEvent, event_append, events_append
    from crisis_api.events.verification import verify_stream

    event_append(stream="test:a", action="thing.created", actor=manager)
    batch = [
        NewEvent(stream="test:a", action="thing.fed", actor=manager, data={"n": 1}),
        NewEvent(stream="test:b", action="thing.fed", data={"n": 2}),
        NewEvent(
            stream="test:a", action="thing.fed", actor=manager, changes={"x": {"from": 1, "to": 2}}
        ),
    ]
    # heads, lock, insert, move heads, the webhooks listener (active endpoints): no savepoint
    with django_assert_num_queries(5):
        written = events_append(batch)
    assert [(e.stream, e.sequence) for e in written] == [
        ("test:a", 2),
        ("test:b", 1),
        ("test:a", 3),
    ]
    event_append(stream="test:a", action="thing.noted")  # the head moved: the chain goes on
    for stream, count in [("test:a", 4), ("test:b", 1)]:
        report = verify_stream(stream)
        assert report.valid and report.events == count
