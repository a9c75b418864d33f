"""Audit checkpoints and cross-checks: what a security review did to the log is now caught."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.urls import reverse

from crisis_api.events.checkpoints import (
    ACTION,
    CUT_SHORT,
    GONE,
    REWRITTEN,
    checkpoint_create,
    document_errors,
    verify_against,
)
from crisis_api.events.hashing import hash_of
from crisis_api.events.services import SYSTEM_STREAM
from crisis_api.events.verification import verify_all, verify_stream
from crisis_api.models import AuditCheckpoint, Event, EventStream

GUARDED = {
    "crisis_api_event": "crisis_api_event_append_only",
    "crisis_api_eventstream": "crisis_api_eventstream_guard",
}


@pytest.fixture(autouse=True)
def checkpoint_key(settings):
    settings.AUDIT_CHECKPOINT_KEY = "test-checkpoint-key"


def as_owner(*statements: tuple[str, list]) -> None:
    """Run SQL as the tables' owner with their triggers off (back on after), as the review did."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for table, trigger in GUARDED.items():
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}")
        for sql, params in statements:
            cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            for table, trigger in GUARDED.items():
                cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {trigger}")


def rewrite_chain(stream: str, sequence: int, note: str) -> None:
    """Change one event and recompute every hash after it, and the head: a consistent forgery."""
    events = list(Event.objects.filter(stream=stream).order_by("sequence"))
    statements, prev = [], events[sequence - 2].hash if sequence > 1 else Event.GENESIS_HASH
    for event in events[sequence - 1 :]:
        if event.sequence == sequence:
            event.note = note
        event.prev_hash = prev
        event.hash = hash_of(event)
        prev = event.hash
        statements.append(
            (
                "UPDATE crisis_api_event SET note = %s, prev_hash = %s, hash = %s WHERE id = %s",
                [event.note, event.prev_hash, event.hash, event.pk],
            )
        )
    statements.append(
        ("UPDATE crisis_api_eventstream SET last_hash = %s WHERE name = %s", [prev, stream])
    )
    as_owner(*statements)


def cut_last_event(stream: str) -> None:
    """Delete the last event and move the head back onto the one before: a consistent cut."""
    last, before = Event.objects.filter(stream=stream).order_by("-sequence")[:2]
    as_owner(
        ("DELETE FROM crisis_api_event WHERE id = %s", [last.pk]),
        (
            "UPDATE crisis_api_eventstream SET last_sequence = %s, last_hash = %s WHERE name = %s",
            [before.sequence, before.hash, stream],
        ),
    )


def test_checkpoint_records_every_head_signed_and_appends_an_event(make_incident):
    first, second = make_incident("resolved"), make_incident()

    checkpoint = checkpoint_create()

    document = checkpoint.document
    assert document["streams"][first.stream] == {
        "sequence": 4,
        "hash": Event.objects.get(stream=first.stream, sequence=4).hash,
    }
    assert document["streams"][second.stream]["sequence"] == 1
    assert len(document["signature"]) == 64
    assert document_errors(document) == {}
    event = Event.objects.filter(stream=SYSTEM_STREAM).last()
    assert event.action == ACTION
    assert event.data["checkpoint"] == checkpoint.pk
    assert event.data["signature"] == document["signature"]
    assert verify_against(document).valid


def test_rewritten_chain_passes_the_chains_but_not_the_checkpoint(make_incident):
    incident = make_incident("resolved")
    document = checkpoint_create().document
    rewrite_chain(incident.stream, 2, "nothing to see here")

    assert all(report.valid for report in verify_all())  # the forgery is consistent
    verdict = verify_against(document)

    assert not verdict.valid
    assert [(p.stream, p.problem) for p in verdict.problems] == [(incident.stream, REWRITTEN)]
    assert "Event 4 is not the one the checkpoint recorded." in verdict.problems[0].detail


def test_deleted_last_event_with_the_head_moved_back_is_cut_short(make_incident):
    incident = make_incident("resolved")
    document = checkpoint_create().document
    cut_last_event(incident.stream)

    verdict = verify_against(document)

    assert [(p.stream, p.problem) for p in verdict.problems] == [(incident.stream, CUT_SHORT)]
    assert verdict.problems[0].detail == "It had 4 events at the checkpoint; event 4 is gone."


def test_erased_log_names_every_stream_gone(make_incident):
    incidents = [make_incident(), make_incident("assessed")]
    document = checkpoint_create().document
    as_owner(("DELETE FROM crisis_api_event", []), ("DELETE FROM crisis_api_eventstream", []))

    verdict = verify_against(document)

    gone = {p.stream for p in verdict.problems if p.problem == GONE}
    assert {i.stream for i in incidents} <= gone == set(document["streams"])
    assert not verdict.valid


def test_a_stream_grown_since_is_fine(make_incident, manager):
    from tests.conftest import run_transition

    incident = make_incident("assessed", actor=manager)
    document = checkpoint_create().document
    run_transition(incident, "respond", manager)

    assert verify_against(document).valid


def test_forged_signature_is_refused_before_anything_else(make_incident):
    make_incident()
    document = checkpoint_create().document
    document["streams"] = {}
    forged = dict(document, signature="0" * 64)

    assert not verify_against(forged).signature_valid
    assert not verify_against(document).signature_valid  # edited after signing


def test_another_key_does_not_verify(make_incident, settings):
    make_incident()
    document = checkpoint_create().document
    settings.AUDIT_CHECKPOINT_KEY = "another-key"

    verdict = verify_against(document)

    assert (verdict.valid, verdict.signature_valid, verdict.problems) == (False, False, [])


def test_commands_write_and_check_a_checkpoint(make_incident, tmp_path, capsys):
    incident = make_incident("resolved")
    path = tmp_path / "checkpoint.json"

    call_command("audit_checkpoint", output=str(path))
    assert "written to" in capsys.readouterr().out
    assert json.loads(path.read_text()) == AuditCheckpoint.objects.get().document

    call_command("verify_audit", checkpoint=str(path))
    out = capsys.readouterr().out
    assert "OK against the checkpoint" in out
    assert "events/s" in out

    cut_last_event(incident.stream)
    with pytest.raises(CommandError) as error:
        call_command("verify_audit", checkpoint=str(path))
    assert error.value.returncode == 1
    assert f"CUT_SHORT {incident.stream}: It had 4 events" in capsys.readouterr().out


def test_verify_audit_refuses_a_forged_checkpoint_file(make_incident, tmp_path):
    make_incident()
    document = checkpoint_create().document
    document["signature"] = "a" * 64
    path = tmp_path / "forged.json"
    path.write_text(json.dumps(document))

    with pytest.raises(CommandError, match=r"signature of .* does not match"):
        call_command("verify_audit", checkpoint=str(path))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "Cannot read the checkpoint"),
        ("[]", "A checkpoint is a JSON object"),
        ('{"format": "x"}', "format: Must be"),
    ],
)
def test_verify_audit_refuses_what_is_not_a_checkpoint(db, tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content)

    with pytest.raises(CommandError, match=message):
        call_command("verify_audit", checkpoint=str(path))


def test_checkpoint_refuses_to_run_without_a_key(db, settings):
    settings.AUDIT_CHECKPOINT_KEY = ""

    with pytest.raises(CommandError, match="AUDIT_CHECKPOINT_KEY is not set"):
        call_command("audit_checkpoint")
    assert not AuditCheckpoint.objects.exists()


def test_verify_audit_reports_its_rate(make_incident, capsys):
    make_incident("resolved")

    call_command("verify_audit")

    assert "events/s" in capsys.readouterr().out


# --- Cross-checks --------------------------------------------------------------------------------


def test_head_moved_back_without_deleting_is_caught(make_incident):
    incident = make_incident("resolved")
    third = Event.objects.get(stream=incident.stream, sequence=3)
    as_owner(
        (
            "UPDATE crisis_api_eventstream SET last_sequence = 3, last_hash = %s WHERE name = %s",
            [third.hash, incident.stream],
        )
    )

    report = verify_stream(incident.stream)

    assert not report.valid
    assert "does not name the last event" in report.reason


def test_incident_status_changed_behind_the_log_is_caught(make_incident, manager, client_for):
    from incidents.models import Incident

    incident = make_incident("responding", actor=manager)
    Incident.objects.filter(pk=incident.pk).update(status="resolved")

    report = verify_stream(incident.stream)
    assert not report.valid
    reason = "the incident's status is resolved, its last event says responding"
    assert report.reason == reason
    assert [r.stream for r in verify_all() if not r.valid] == [incident.stream]
    response = client_for(manager).get(reverse("incident-verify", kwargs={"pk": incident.pk}))
    assert response.json() == {
        "valid": False,
        "events": 3,
        "first_invalid_sequence": None,
        "reason": reason,
    }
    assert Incident.objects.get(pk=incident.pk).status == "resolved"


def test_incident_version_changed_behind_the_log_is_caught(make_incident):
    from incidents.models import Incident

    incident = make_incident("assessed")
    Incident.objects.filter(pk=incident.pk).update(version=1)

    report = verify_stream(incident.stream)

    assert report.reason == "the incident's version is 1, its events make it 2"


def test_incident_whose_stream_is_gone_is_caught(make_incident):
    incident = make_incident()
    as_owner(
        ("DELETE FROM crisis_api_event WHERE stream = %s", [incident.stream]),
        ("DELETE FROM crisis_api_eventstream WHERE name = %s", [incident.stream]),
    )

    broken = {r.stream: r.reason for r in verify_all() if not r.valid}

    assert broken == {incident.stream: "the incident exists but its stream has no events"}


def test_every_incident_of_every_state_agrees_with_its_log(make_incident, manager):
    for state in ("detected", "assessed", "responding", "resolved", "reviewed"):
        make_incident(state, actor=manager)

    assert [r for r in verify_all() if not r.valid] == []
    assert EventStream.objects.count() >= 5


def test_audit_grants_prints_the_roles_and_grants(capsys):
    call_command("audit_grants", owner="crisis_owner", service="crisis_service")

    out = capsys.readouterr().out
    assert "CREATE ROLE crisis_service LOGIN" in out
    assert "GRANT SELECT, INSERT ON crisis_api_event, crisis_api_auditcheckpoint," in out
    assert "GRANT UPDATE (last_sequence, last_hash) ON crisis_api_eventstream" in out


def test_admin_says_when_the_record_disagrees_with_an_intact_chain(make_incident):
    from crisis_api.lifecycle.admin import TransitionAdminMixin
    from incidents.models import Incident

    incident = make_incident("assessed")
    Incident.objects.filter(pk=incident.pk).update(version=7)

    html = TransitionAdminMixin.chain_verdict(verify_stream(incident.stream))

    assert "the log and the record disagree (the incident&#x27;s version is 7" in html


def test_migrate_connects_as_the_owner():
    from crisis_api.management.commands.migrate import owner_settings

    service = {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "crisis",
        "USER": "crisis_service",
        "PASSWORD": "s",
        "HOST": "db",
        "PORT": 5432,
        "CONN_MAX_AGE": 60,
    }

    owner = owner_settings(service, "postgres://crisis_owner:o@db:5432/crisis")

    assert owner == {**service, "USER": "crisis_owner", "PASSWORD": "o"}
    with pytest.raises(ValueError, match="same kind of database"):
        owner_settings(service, "sqlite:////tmp/x.sqlite3")
