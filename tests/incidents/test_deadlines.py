"""Deadlines that warn before they break: the policy, the states at each boundary (in the API and
in the list filters alike), the stored instants each service keeps right, and the ordering."""

import itertools
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crisis_api.models import Event
from incidents import services
from incidents.deadlines.rules import DEADLINES, DeadlineState, derived_values
from incidents.deadlines.services import severity_policy_update
from incidents.models import Incident, SeverityPolicy
from tests.conftest import run_transition

LIST = reverse("incident-list")
T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)  # when the incidents below are assessed
MICRO = timedelta(microseconds=1)
H = timedelta(hours=1)
MINUTE = timedelta(minutes=1)
STATES = [state.value for state in DeadlineState]


def detail(incident):
    return reverse("incident-detail", kwargs={"pk": incident.pk})


@pytest.fixture
def clock():
    """The application's clock, frozen at T0 - 1 hour; move it with clock.move_to(…)."""
    with time_machine.travel(T0 - H, tick=False) as traveller:
        yield traveller


@pytest.fixture
def assessed(clock, make_incident, manager):
    """make the incident of severity `severity` assessed at T0 (high: 4 hours, 3 days)."""

    def make(severity="high", **fields):
        incident = make_incident(actor=manager, **fields)
        clock.move_to(T0)
        return services.incident_assess(incident_id=incident.pk, actor=manager, severity=severity)

    return make


# --- The policy -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_default_policy():
    policies = {p.severity: (p.response_window, p.resolution_window) for p in
                SeverityPolicy.objects.all()}  # fmt: skip

    assert policies == {
        "critical": (H, 24 * H),
        "high": (4 * H, timedelta(days=3)),
        "medium": (24 * H, timedelta(days=7)),
        "low": (72 * H, timedelta(days=14)),
    }


def test_assess_counts_both_deadlines_from_the_assessment(assessed):
    incident = assessed("critical")

    assert incident.assessed_at == T0
    assert incident.response_due_at == T0 + H
    assert incident.resolution_due_at == T0 + 24 * H
    event = Event.objects.filter(stream=incident.stream).last()
    assert event.action == "incident.assessed"
    assert event.changes["resolution_due_at"] == {"from": None, "to": (T0 + 24 * H).isoformat()}


def test_a_policy_change_applies_to_later_assessments_and_re_ratings_only(
    assessed, manager, client_for, clock
):
    before = assessed("high")
    policy = severity_policy_update(
        severity="high", actor=manager, response_window=2 * H, resolution_window=48 * H
    )
    after = assessed("high")
    client = client_for(manager)

    before.refresh_from_db()
    assert (before.response_due_at, before.resolution_due_at) == (T0 + 4 * H, T0 + 72 * H)
    assert (after.response_due_at, after.resolution_due_at) == (T0 + 2 * H, T0 + 48 * H)
    assert (policy.response_window, policy.resolution_window) == (2 * H, 48 * H)

    # Sending the same severity again is not a re-rating: the due times stay.
    assert client.patch(detail(before), {"severity": "high"}, format="json").status_code == 200
    before.refresh_from_db()
    assert before.response_due_at == T0 + 4 * H

    # Re-rated after the change: the policy now in force, still from assessed_at.
    client.patch(detail(before), {"severity": "critical"}, format="json")
    client.patch(detail(before), {"severity": "high"}, format="json")
    before.refresh_from_db()
    assert (before.response_due_at, before.resolution_due_at) == (T0 + 2 * H, T0 + 48 * H)


def test_a_policy_change_is_recorded_on_the_system_stream(db, manager):
    severity_policy_update(
        severity="low", actor=manager, response_window=48 * H, resolution_window=14 * 24 * H
    )
    severity_policy_update(  # the same again: no change, no event
        severity="low", actor=manager, response_window=48 * H, resolution_window=14 * 24 * H
    )

    events = Event.objects.filter(stream="system", action="severity_policy.updated")
    assert [(e.actor, e.data, e.changes) for e in events] == [
        (manager, {"severity": "low"},
         {"response_window": {"from": "P3DT00H00M00S", "to": "P2DT00H00M00S"}}),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("response", "resolution", "field"),
    [
        (timedelta(0), H, "response_window"),
        (timedelta(seconds=59), H, "response_window"),
        (H, timedelta(days=366), "resolution_window"),
        (-H, H, "response_window"),
        (2 * H, H, "resolution_window"),  # resolved before the response is due
    ],
)
def test_policy_windows_are_bounded(response, resolution, field, db, manager):
    with pytest.raises(ValidationError) as refused:
        severity_policy_update(
            severity="high", actor=manager, response_window=response, resolution_window=resolution
        )

    assert list(refused.value.message_dict) == [field]
    assert SeverityPolicy.objects.get(pk="high").response_window == 4 * H


@pytest.mark.parametrize(
    "values",
    [{"response_window": timedelta(0)}, {"resolution_window": timedelta(days=400)},
     {"response_window": 5 * H, "resolution_window": 4 * H}, {"severity": "urgent"}],
)  # fmt: skip
def test_the_database_refuses_what_the_form_refuses(values, db):
    fields = {"severity": "high", "response_window": 4 * H, "resolution_window": 5 * H, **values}
    with pytest.raises(IntegrityError), transaction.atomic():
        SeverityPolicy.objects.filter(pk="high").delete()
        SeverityPolicy.objects.create(**fields)


# --- States, at each boundary: the representation and the list filter agree ----------------


def _states(client, incident):
    body = client.get(detail(incident)).json()
    return body["response_deadline"]["state"], body["resolution_deadline"]["state"]


def _filtered(client, incident, name):
    """The states of deadline `name` whose filter selects the incident."""
    found = []
    for state in STATES:
        results = client.get(LIST, {name: state}).json()["results"]
        if str(incident.pk) in {item["id"] for item in results}:
            found.append(state)
    return found


def _check(client, incident, response, resolution):
    assert _states(client, incident) == (response, resolution)
    assert _filtered(client, incident, "response_deadline") == [response]
    assert _filtered(client, incident, "resolution_deadline") == [resolution]


@pytest.mark.parametrize(
    ("elapsed", "response", "resolution"),
    [
        (timedelta(0), "on_track", "on_track"),
        (3 * H - MICRO, "on_track", "on_track"),  # at risk from 3/4 of 4 hours
        (3 * H, "at_risk", "on_track"),
        (4 * H, "at_risk", "on_track"),  # due: still at risk, not breached
        (4 * H + MICRO, "breached", "on_track"),
        (54 * H - MICRO, "breached", "on_track"),  # 3/4 of 3 days
        (54 * H, "breached", "at_risk"),
        (72 * H, "breached", "at_risk"),
        (72 * H + MICRO, "breached", "breached"),
    ],
)
def test_open_deadlines_around_each_boundary(
    elapsed, response, resolution, assessed, clock, manager, client_for
):
    incident = assessed("high")
    client = client_for(manager)

    clock.move_to(T0 + elapsed)

    _check(client, incident, response, resolution)


def test_pending_until_assessed(clock, make_incident, manager, client_for):
    incident = make_incident(actor=manager)

    body = client_for(manager).get(detail(incident)).json()

    assert body["response_deadline"] == {"due_at": None, "state": "pending"}
    assert body["resolution_deadline"] == {"due_at": None, "state": "pending"}
    _check(client_for(manager), incident, "pending", "pending")


@pytest.mark.parametrize(
    ("responded", "resolved", "response", "resolution"),
    [
        (4 * H, 72 * H, "met", "met"),  # each exactly at its due time: on time
        (4 * H + MICRO, 72 * H + MICRO, "missed", "missed"),
        (H, None, "met", "breached"),
        (5 * H, None, "missed", "breached"),
    ],
)
def test_met_or_missed_by_the_first_response_and_the_resolution(
    responded, resolved, response, resolution, assessed, clock, manager, client_for
):
    incident = assessed("high")
    clock.move_to(T0 + responded)
    services.incident_respond(incident_id=incident.pk, actor=manager)
    if resolved is not None:
        clock.move_to(T0 + resolved)
        services.incident_resolve(incident_id=incident.pk, actor=manager, resolution_summary="Ok")

    clock.move_to(T0 + 200 * H)  # long after: met and missed do not change with time

    _check(client_for(manager), incident, response, resolution)


@pytest.mark.parametrize(
    ("dismissed", "response", "resolution"),
    [(4 * H, "met", "met"), (4 * H + MICRO, "missed", "met"), (80 * H, "missed", "missed")],
)
def test_a_dismissal_ends_both_deadlines(
    dismissed, response, resolution, assessed, clock, manager, client_for
):
    incident = assessed("high")
    clock.move_to(T0 + dismissed)

    services.incident_dismiss(incident_id=incident.pk, actor=manager, reason="False alarm.")

    _check(client_for(manager), incident, response, resolution)


def test_a_reopened_incident_has_its_resolution_open_again(assessed, clock, manager, client_for):
    incident = assessed("high")
    clock.move_to(T0 + H)
    services.incident_respond(incident_id=incident.pk, actor=manager)
    services.incident_resolve(incident_id=incident.pk, actor=manager, resolution_summary="Ok")
    clock.move_to(T0 + 80 * H)

    services.incident_reopen(incident_id=incident.pk, actor=manager, reason="Back.")

    # The first response stays (met); the resolution, counted from the assessment, is late.
    _check(client_for(manager), incident, "met", "breached")


def test_the_first_response_counts_not_the_last(assessed, clock, manager, client_for):
    incident = assessed("high")
    clock.move_to(T0 + H)
    services.incident_respond(incident_id=incident.pk, actor=manager)
    services.incident_resolve(incident_id=incident.pk, actor=manager, resolution_summary="Ok")
    clock.move_to(T0 + 10 * H)

    services.incident_reopen(incident_id=incident.pk, actor=manager, reason="Back.")

    assert _states(client_for(manager), incident) == ("met", "on_track")


def test_the_deadline_objects(assessed, clock, manager, client_for):
    incident = assessed("critical")
    clock.move_to(T0 + 50 * MINUTE)

    body = client_for(manager).get(detail(incident)).json()

    assert body["response_deadline"] == {"due_at": "2026-11-20T10:00:00Z", "state": "at_risk"}
    assert body["resolution_deadline"] == {"due_at": "2026-11-21T09:00:00Z", "state": "on_track"}
    assert body["response_due_at"] == "2026-11-20T10:00:00Z"
    assert body["resolution_due_at"] == "2026-11-21T09:00:00Z"
    assert body["overdue"] is False


def test_overdue_is_the_response_deadline_breached(assessed, clock, manager, client_for):
    incident = assessed("critical")
    clock.move_to(T0 + H + MICRO)

    body = client_for(manager).get(detail(incident)).json()

    assert body["overdue"] is True
    assert body["response_deadline"]["state"] == "breached"


# --- The stored instants, kept right by every service that changes their inputs --------------


def _stored(incident):
    incident.refresh_from_db()
    return (incident.response_at_risk_at, incident.resolution_at_risk_at, incident.next_due_at)


def test_assess_stores_the_instants(assessed):
    incident = assessed("high")

    assert _stored(incident) == (T0 + 3 * H, T0 + 54 * H, T0 + 4 * H)


def test_a_severity_change_moves_the_instants(assessed, manager, client_for):
    incident = assessed("high")

    client_for(manager).patch(detail(incident), {"severity": "critical"}, format="json")

    assert _stored(incident) == (T0 + 45 * MINUTE, T0 + 18 * H, T0 + H)


def test_respond_moves_the_next_due_time_to_the_resolution(assessed, clock, manager):
    incident = assessed("high")
    clock.move_to(T0 + H)

    services.incident_respond(incident_id=incident.pk, actor=manager)

    assert _stored(incident) == (T0 + 3 * H, T0 + 54 * H, T0 + 72 * H)


def test_resolve_leaves_no_next_due_time(assessed, clock, manager):
    incident = assessed("high")
    clock.move_to(T0 + H)
    services.incident_respond(incident_id=incident.pk, actor=manager)

    services.incident_resolve(incident_id=incident.pk, actor=manager, resolution_summary="Ok")

    assert _stored(incident) == (T0 + 3 * H, T0 + 54 * H, None)


def test_dismiss_leaves_no_next_due_time(assessed, clock, manager):
    incident = assessed("high")

    services.incident_dismiss(incident_id=incident.pk, actor=manager, reason="Duplicate.")

    assert _stored(incident) == (T0 + 3 * H, T0 + 54 * H, None)


def test_reopen_brings_the_resolution_back(assessed, clock, manager):
    incident = assessed("high")
    clock.move_to(T0 + H)
    services.incident_respond(incident_id=incident.pk, actor=manager)
    services.incident_resolve(incident_id=incident.pk, actor=manager, resolution_summary="Ok")

    services.incident_reopen(incident_id=incident.pk, actor=manager, reason="Back.")

    assert _stored(incident) == (T0 + 3 * H, T0 + 54 * H, T0 + 72 * H)


def test_reopening_a_never_assessed_incident_assesses_it_then(clock, make_incident, manager):
    incident = make_incident(actor=manager, dismissed=True)
    assert _stored(incident) == (None, None, None)
    clock.move_to(T0)

    services.incident_reopen(
        incident_id=incident.pk, actor=manager, reason="Back.", severity="critical"
    )

    incident.refresh_from_db()
    assert (incident.response_due_at, incident.resolution_due_at) == (T0 + H, T0 + 24 * H)
    # Reopening starts the response at once (met); the resolution is what is left.
    assert _stored(incident) == (T0 + 45 * MINUTE, T0 + 18 * H, T0 + 24 * H)


def test_the_stored_instants_are_what_the_rules_derive(assessed, clock, manager):
    incident = assessed("medium")
    for step in ("respond", "resolve", "reopen"):
        clock.shift(H)
        run_transition(incident, step, manager)
        incident.refresh_from_db()
        stored = {name: getattr(incident, name) for name in derived_values(incident)}
        assert stored == derived_values(incident)


# --- List: filters and ordering -------------------------------------------------------------


@pytest.fixture
def spread(assessed, clock, make_incident, manager):
    """Incidents whose nearest open deadline falls at different times (the clock at T0 + 2 h)."""
    critical = assessed("critical", title="critical")  # response due T0 + 1 h: breached
    high = assessed("high", title="high")  # response due T0 + 4 h
    responded = assessed("critical", title="responded")
    clock.move_to(T0 + 10 * MINUTE)
    services.incident_respond(incident_id=responded.pk, actor=manager)  # next: T0 + 24 h
    detected = make_incident(actor=manager, title="detected")  # no deadline
    clock.move_to(T0 + 2 * H)
    return {"critical": critical, "high": high, "responded": responded, "detected": detected}


def _titles(client, **params):
    response = client.get(LIST, params)
    assert response.status_code == 200, response.json()
    return [item["title"] for item in response.json()["results"]]


def test_ordering_by_the_next_due_time(spread, manager, client_for):
    client = client_for(manager)

    assert _titles(client, ordering="next_due_at") == ["critical", "high", "responded", "detected"]
    assert _titles(client, ordering="-next_due_at") == [
        "detected", "responded", "high", "critical",
    ]  # fmt: skip


def test_deadline_filters_repeat_and_combine(spread, manager, client_for):
    client = client_for(manager)

    assert _titles(client, response_deadline="breached") == ["critical"]
    assert sorted(_titles(client, response_deadline=["breached", "on_track"])) == [
        "critical", "high",
    ]  # fmt: skip
    assert _titles(client, response_deadline="met", resolution_deadline="on_track") == ["responded"]
    assert _titles(client, resolution_deadline="pending") == ["detected"]


@pytest.mark.parametrize(
    "query",
    [{"response_deadline": "late"}, {"resolution_deadline": ""},
     {"response_deadline": ["met"] * 21}, {"ordering": "next_due"}],
)  # fmt: skip
def test_bad_deadline_queries_are_400(query, spread, manager, client_for):
    response = client_for(manager).get(LIST, query)

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert list(response.json()["errors"]) == [next(iter(query))]


def test_deadline_filters_and_ordering_cost_no_query_per_row(
    assessed, manager, make_user, client_for
):
    query = {"response_deadline": ["on_track", "at_risk"], "ordering": "next_due_at"}
    assessed("high")
    client = client_for(manager)  # its token used now, as the clock stays here
    with CaptureQueriesContext(connection) as one:
        assert len(client.get(LIST, query).json()["results"]) == 1
    for i in range(20):
        assessed("high", title=f"n{i}", participants=[make_user("viewer")], owner=manager)

    with CaptureQueriesContext(connection) as many:
        assert len(client.get(LIST, {**query, "page_size": 100}).json()["results"]) == 21

    assert len(one) == len(many) <= 5


# --- Recording the past (demo data, imports) --------------------------------------------------


def test_a_transition_may_be_recorded_as_past(clock, make_incident, manager):
    incident = make_incident(actor=manager, detected_at=T0 - 10 * H)

    incident = services.incident_assess(
        incident_id=incident.pk, actor=manager, severity="high", at=T0 - 5 * H
    )

    assert incident.assessed_at == T0 - 5 * H
    assert incident.response_due_at == T0 - H
    assert incident.updated_at == T0 - H  # the time of the write
    event = Event.objects.filter(stream=incident.stream).last()
    assert event.at == T0 - H
    assert event.changes["assessed_at"]["to"] == (T0 - 5 * H).isoformat()


@pytest.mark.parametrize("at", [T0 - 11 * H, T0])  # before detection; in the future
def test_a_past_transition_falls_between_the_last_lifecycle_time_and_now(
    at, clock, make_incident, manager
):
    incident = make_incident(actor=manager, detected_at=T0 - 10 * H)

    with pytest.raises(ValueError, match="must fall between"):
        services.incident_assess(incident_id=incident.pk, actor=manager, severity="high", at=at)

    incident.refresh_from_db()
    assert incident.assessed_at is None


def test_the_api_refuses_a_time_for_a_transition(assessed, manager, client_for):
    incident = assessed("high")

    response = client_for(manager).post(
        reverse("incident-respond", kwargs={"pk": incident.pk}),
        {"at": "2026-11-20T08:00:00Z"},
        format="json",
    )

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["at"]


# --- Rules: the Python state and the query are one rule -----------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("kind", list(DEADLINES))
def test_state_and_state_query_agree_on_every_stored_combination(kind, make_incident, manager):
    """Every incident of a small lifecycle zoo: each state query selects exactly the incidents
    whose Python state it names, at instants around every boundary."""
    deadline = DEADLINES[kind]
    with time_machine.travel(T0 - H, tick=False) as clock:
        zoo = [make_incident(actor=manager, title="detected")]
        paths = (
            ["assess"],
            ["assess", "respond"],
            ["assess", "dismiss"],
            ["assess", "respond", "resolve"],
            ["assess", "respond", "resolve", "reopen"],
        )
        times = (T0, T0 + 2 * H, T0 + 30 * H, T0 + 80 * H)
        # Critical (1 h, 24 h): every step late; high (4 h, 3 days): respond and resolve on time.
        for severity, path in itertools.product(("critical", "high"), paths):
            incident = make_incident(actor=manager)
            for step, when in zip(path, times, strict=False):
                clock.move_to(when)
                extra = {"severity": severity} if step == "assess" else {}
                run_transition(incident, step, manager, **extra)
            zoo.append(incident)
            clock.move_to(T0 - H)
    incidents = Incident.objects.filter(pk__in=[i.pk for i in zoo])
    seen = set()
    for now in (T0, T0 + 45 * MINUTE, T0 + H, T0 + H + MICRO, T0 + 3 * H, T0 + 4 * H + MICRO,
                T0 + 18 * H, T0 + 24 * H + MICRO, T0 + 54 * H, T0 + 72 * H + MICRO,
                T0 + 100 * H):  # fmt: skip
        expected = {state: set() for state in STATES}
        for incident in incidents:
            expected[deadline.deadline(incident, now).state].add(incident.pk)
        found = {
            state: {i.pk for i in incidents.filter(deadline.state_q([state], now))}
            for state in STATES
        }
        assert found == expected, now
        seen |= {state for state, pks in expected.items() if pks}
    assert seen == set(STATES)  # the zoo shows every state
