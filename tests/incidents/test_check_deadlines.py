"""`manage.py check_deadlines`: each breach recorded once, however often it runs, even when two
runs overlap; nothing else about the incident changes."""

import threading
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connections, transaction
from django.utils import timezone, translation

from crisis_api.events.verification import verify_stream
from crisis_api.models import Event
from incidents import services
from incidents.deadlines.services import incident_deadline_breaches_record
from incidents.models import Incident
from tests.concurrency import POSTGRES_ONLY

BREACHES = ("incident.response_deadline_breached", "incident.resolution_deadline_breached")
H = timedelta(hours=1)


def breach_events(incident=None):
    events = Event.objects.filter(action__in=BREACHES)
    if incident is not None:
        events = events.filter(stream=incident.stream)
    return list(events.order_by("stream", "sequence").values_list("stream", "action"))


def check(*args, language="en") -> str:
    out = StringIO()
    with translation.override(language):
        call_command("check_deadlines", *args, stdout=out)
    return out.getvalue()


def line(incident, deadline, due_at) -> str:
    due = timezone.localtime(due_at).isoformat(timespec="minutes")
    return f"{incident.reference}: {deadline} deadline breached (it was due {due})."


@pytest.fixture
def past(make_incident, manager):
    """past(severity, hours_ago, *steps): an incident assessed `hours_ago`, then `steps`
    ((transition, hours ago, input)) recorded as having happened then."""

    def make(severity, hours_ago, *steps, **fields):
        now = timezone.now()
        incident = make_incident(actor=manager, detected_at=now - (hours_ago + 1) * H, **fields)
        incident = services.incident_assess(
            incident_id=incident.pk, actor=manager, severity=severity, at=now - hours_ago * H
        )
        for name, ago, params in steps:
            incident = services.TRANSITION_SERVICES[name](
                incident_id=incident.pk, actor=manager, at=now - ago * H, **params
            )
        return incident

    return make


def test_records_each_breach_once_however_often_it_runs(past):
    late = past("critical", 2)  # response due an hour ago
    later = past("critical", 30)  # both due: response 29 hours ago, resolution 6 hours ago
    on_time = past("high", 2)  # due in two hours
    responded = past("critical", 30, ("respond", 29.5, {}))  # met; resolution breached

    first = check()
    second = check()

    assert breach_events(late) == [(late.stream, BREACHES[0])]
    assert breach_events(later) == [(later.stream, BREACHES[0]), (later.stream, BREACHES[1])]
    assert breach_events(on_time) == []
    assert breach_events(responded) == [(responded.stream, BREACHES[1])]
    assert first.splitlines() == [  # oldest due time first
        line(later, "Response", later.response_due_at),
        line(later, "Resolution", later.resolution_due_at),
        line(responded, "Resolution", responded.resolution_due_at),
        line(late, "Response", late.response_due_at),
        "4 breached deadlines recorded.",
    ]
    assert second == "0 breached deadlines recorded.\n"


def test_the_breach_event(past):
    incident = past("critical", 2)

    (breach,) = incident_deadline_breaches_record()

    event = Event.objects.get(stream=incident.stream, action=BREACHES[0])
    assert breach.event == event
    assert event.actor is None
    assert (event.from_status, event.to_status, event.changes) == ("", "", {})
    assert event.data == {
        "deadline": "response",
        "due_at": incident.response_due_at.isoformat(),
        "severity": "critical",
    }
    assert verify_stream(incident.stream).valid


def test_recording_a_breach_is_not_an_edit(past):
    incident = past("critical", 2)

    incident_deadline_breaches_record()

    before = incident
    incident.refresh_from_db()
    assert incident.version == before.version == 2  # created, assessed
    assert incident.updated_at == before.updated_at
    assert incident.response_breach_recorded_at is not None


def test_a_deadline_met_late_or_a_dismissal_is_no_breach_to_record(past):
    past("critical", 30, ("respond", 28, {}), ("resolve", 1, {"resolution_summary": "Ok"}))
    past("critical", 3, ("dismiss", 2, {"reason": "Duplicate."}))

    assert incident_deadline_breaches_record() == []
    assert breach_events() == []


def test_a_breach_is_recorded_once_even_if_it_ends_and_comes_back(past, manager):
    incident = past(
        "high", 80, ("respond", 79, {}), ("resolve", 70, {"resolution_summary": "Ok"})
    )  # resolved in time; reopened after the resolution deadline: breached again
    services.incident_reopen(incident_id=incident.pk, actor=manager, reason="Back.")
    incident_deadline_breaches_record()
    services.incident_resolve(incident_id=incident.pk, actor=manager, resolution_summary="Ok")
    services.incident_reopen(incident_id=incident.pk, actor=manager, reason="Again.")

    incident_deadline_breaches_record()

    assert breach_events(incident) == [(incident.stream, BREACHES[1])]


def test_a_lower_severity_does_not_record_a_second_breach(past, manager):
    incident = past("critical", 2)
    incident_deadline_breaches_record()
    services.incident_update(incident_id=incident.pk, actor=manager, severity="low")

    incident_deadline_breaches_record(now=timezone.now() + 100 * H)  # breached again, later

    assert breach_events(incident) == [(incident.stream, BREACHES[0])]


def test_quiet_for_cron_and_french_on_request(past):
    past("critical", 2)
    assert check("--verbosity", "0") == ""

    past("critical", 3)
    out = check(language="fr")

    assert "Délai de réponse dépassé (échéance " in out
    assert out.endswith("1 délai dépassé enregistré.\n")


def on_postgresql(test):
    """Threads, each with its own connection to a database that commits."""
    marks = [*POSTGRES_ONLY, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
    for mark in marks:
        test = mark(test)
    return test


@on_postgresql
def test_overlapping_runs_record_each_breach_once(past):
    incidents = [past("critical", 30) for _ in range(6)]  # two breaches each
    runs = 4
    barrier = threading.Barrier(runs)
    recorded = [None] * runs
    errors = []

    def run(index):
        try:
            barrier.wait(timeout=10)
            recorded[index] = incident_deadline_breaches_record()
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(runs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert sum(len(r) for r in recorded) == 2 * len(incidents)  # each claimed by one run
    assert len(breach_events()) == 2 * len(incidents)
    for incident in incidents:
        assert sorted(action for _, action in breach_events(incident)) == sorted(BREACHES)
        assert verify_stream(incident.stream).valid


@on_postgresql
def test_an_incident_held_by_a_transition_is_skipped_then_recorded(past):
    incident = past("critical", 2)
    locked, release = threading.Event(), threading.Event()

    def hold():  # a transition in progress elsewhere holds the row
        try:
            with transaction.atomic():
                Incident.objects.select_for_update().get(pk=incident.pk)
                locked.set()
                release.wait(timeout=30)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold)
    holder.start()
    assert locked.wait(timeout=10)
    try:
        assert incident_deadline_breaches_record() == []  # skipped, not waited for
    finally:
        release.set()
        holder.join(timeout=30)

    assert [b.incident.pk for b in incident_deadline_breaches_record()] == [incident.pk]
    assert breach_events(incident) == [(incident.stream, BREACHES[0])]
