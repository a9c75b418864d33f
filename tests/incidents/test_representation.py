"""The incident's representation is built as plain dicts (IncidentRepresentation), not field by
field: it must give exactly what IncidentSerializer's declared fields give, for incidents in
every state, for every caller, in the list and the detail alike."""

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db.models import Prefetch
from django.urls import reverse
from rest_framework.renderers import JSONRenderer

from crisis_api.clock import request_now
from incidents import selectors, services
from incidents.actions import services as actions
from incidents.api.serializers import IncidentSerializer
from incidents.communications import services as communications
from incidents.deadlines.rules import DeadlineState
from incidents.state import incident_machine
from tests.conftest import run_transition

T_END = datetime(2026, 11, 20, 12, 0, 0, 123456, tzinfo=UTC)  # "now" when they are read
H = timedelta(hours=1)
LIST = reverse("incident-list")


class FakeRequest:
    """What the serializers read of a request: its user and its clock reading."""

    def __init__(self, user):
        self.user = user


def field_by_field(incidents, user) -> list[dict]:
    context = {"request": FakeRequest(user)}
    request_now(context["request"])
    return [IncidentSerializer(context=context).field_by_field(i) for i in incidents]


def fast(incidents, user, *, many=True) -> list[dict]:
    context = {"request": FakeRequest(user)}
    if many:
        return IncidentSerializer(incidents, many=True, context=context).data
    return [IncidentSerializer(i, context=context).data for i in incidents]


@pytest.fixture
def crises(make_user, make_incident, manager, responder, viewer):
    """Incidents in every state, their deadlines in every state, with every optional part."""
    other = make_user("responder", username="aaron")
    at = time_machine.travel(T_END - 40 * H, tick=False)
    clock = at.start()
    made = {}

    def move(to):
        clock.move_to(to)

    made["detected"] = make_incident(
        actor=manager,
        title="Détecté — « accents »",
        owner=responder,
        participants=[responder, other, viewer],
        channels=["x", "tiktok"],
    )
    original_secret = make_incident(actor=manager, title="Secret original", is_confidential=True)
    original_public = make_incident(actor=manager, title="Public original")
    made["confidential"] = make_incident("responding", actor=manager, is_confidential=True)

    def assessed(title, hours_ago, severity):
        incident = make_incident(actor=manager, title=title)
        move(T_END - hours_ago * H)
        incident = services.incident_assess(
            incident_id=incident.pk,
            actor=manager,
            severity=severity,
            scope="spreading",
            estimated_reach=12_000_000_000,
            affected_count=0,
            impact=["reputation", "legal"],
            rationale="Why not.",
        )
        return incident

    made["late_response"] = assessed("Responded late", 30, "critical")  # response missed
    made["resolution_breached"] = assessed("Resolution breached", 30, "critical")
    run_transition(made["resolution_breached"], "respond", manager)
    made["responded"] = assessed("Responded in time", 10, "high")
    move(T_END - 28 * H)
    run_transition(made["late_response"], "respond", manager, owner=other)
    move(T_END - 9 * H)
    run_transition(made["responded"], "respond", manager)
    move(T_END - 5 * H)
    run_transition(made["late_response"], "resolve", manager)  # resolution missed
    made["resolved_fast"] = assessed("Resolved fast", 5, "low")
    run_transition(made["resolved_fast"], "respond", manager)
    run_transition(made["resolved_fast"], "resolve", manager)
    made["reviewed"] = assessed("Reviewed", 4.9, "medium")
    action = actions.action_create(
        incident_id=made["reviewed"].pk,
        actor=manager,
        kind="compensation",
        title="Refund",
        amount=Decimal("1234.50"),
        currency="EUR",
        beneficiaries=3,
    )
    actions.action_create(
        incident_id=made["reviewed"].pk,
        actor=manager,
        kind="compensation",
        title="Refund UK",
        amount=Decimal("0.10"),
        currency="GBP",
    )
    cancelled = actions.action_create(
        incident_id=made["reviewed"].pk,
        actor=manager,
        kind="compensation",
        title="Voucher",
        amount=Decimal("99.99"),
        currency="EUR",
    )
    actions.action_cancel(action_id=cancelled.pk, actor=manager, reason="Not needed.")
    actions.action_complete(action_id=action.pk, actor=manager)
    actions.action_create(
        incident_id=made["reviewed"].pk,
        actor=manager,
        kind="fix",
        title="Fix the form",
        due_at=T_END - 4 * H,  # overdue by now
    )
    communications.communication_draft(
        incident_id=made["reviewed"].pk, actor=manager, channel="x", audience="customers",
        language="en", body="We are sorry. We will post an update on our website by 6 pm.",
    )  # fmt: skip
    for name in ("respond", "resolve"):
        run_transition(made["reviewed"], name, manager)
    move(T_END - 4.5 * H)
    run_transition(made["reviewed"], "review", manager, follow_up_actions=["One", "Two"])
    made["reopened"] = assessed("Reopened", 4, "high")
    for name in ("respond", "resolve", "reopen"):
        run_transition(made["reopened"], name, manager)
    made["hidden_duplicate"] = make_incident(actor=manager, title="Copy of a secret")
    services.incident_dismiss(
        incident_id=made["hidden_duplicate"].pk,
        actor=manager,
        reason="Same.",
        duplicate_of=original_secret,
    )
    made["visible_duplicate"] = make_incident(actor=manager, title="Copy of a public one")
    services.incident_dismiss(
        incident_id=made["visible_duplicate"].pk,
        actor=manager,
        reason="Same.",
        duplicate_of=original_public,
    )
    made["on_track"] = assessed("On track", 1, "high")
    made["at_risk"] = assessed("At risk", 3.5, "high")
    made["breached"] = assessed("Breached", 2, "critical")  # overdue
    made["originals"] = [original_secret, original_public]
    move(T_END)
    yield made
    at.stop()


def rows_for(user):
    """The incidents the list shows `user`, their participants read in name order as the
    list shows them (the field-by-field path reads them from this prefetch)."""
    participants = Prefetch("participants", get_user_model().objects.order_by("username"))
    incidents = selectors.incident_list(user=user).prefetch_related(participants)
    return list(incidents.order_by("-created_at", "-id"))


def test_the_fast_representation_equals_the_declared_fields(crises, manager, viewer, responder):
    states = set()
    for user in (manager, viewer, responder):
        incidents = rows_for(user)
        expected = field_by_field(incidents, user)

        assert fast(incidents, user) == expected  # the list's path
        assert fast(incidents, user, many=False) == expected  # the detail's path
        for row in fast(incidents, user):
            assert list(row) == IncidentSerializer.Meta.fields
        states |= {
            (row[kind]["state"], kind)
            for row in expected
            for kind in ("response_deadline", "resolution_deadline")
        }
    # The incidents above do cover every case.
    every = {state.value for state in DeadlineState}
    assert {s for s, kind in states if kind == "response_deadline"} == every
    assert {s for s, kind in states if kind == "resolution_deadline"} >= every - {"at_risk"}
    by_title = {row["title"]: row for row in field_by_field(rows_for(viewer), viewer)}
    assert by_title["Copy of a secret"]["duplicate_of"] is None
    assert by_title["Copy of a public one"]["duplicate_of"] is not None
    reviewed = by_title["Reviewed"]
    assert reviewed["review"]["metrics"]["compensations"] == {"EUR": "1234.50", "GBP": "0.10"}
    assert reviewed["actions_summary"]["compensation"][0] == {
        "currency": "EUR",
        "total": "1234.50",
        "count": 1,
    }
    assert reviewed["actions_summary"]["overdue"] == 1
    assert by_title["Breached"]["overdue"] is True
    assert by_title["Détecté — « accents »"]["participants"] == ["aaron", *sorted(
        u for u in by_title["Détecté — « accents »"]["participants"] if u != "aaron"
    )]  # fmt: skip
    assert "Secret original" not in by_title
    assert by_title["Reopened"]["available_transitions"] == []  # a viewer runs none


def test_the_api_answers_what_the_declared_fields_give(crises, manager, responder, client_for):
    for user in (manager, responder):
        client = client_for(user)
        listed = client.get(LIST, {"page_size": 100})
        assert listed.status_code == 200
        incidents = rows_for(user)
        expected = json.loads(JSONRenderer().render(field_by_field(incidents, user)))
        assert listed.json()["results"] == expected
        for incident, row in zip(incidents, expected, strict=True):
            answer = client.get(reverse("incident-detail", kwargs={"pk": incident.pk}))
            assert answer.status_code == 200
            assert answer.json() == row


def test_the_date_times_are_drf_s_in_the_current_time_zone(crises, manager, settings):
    incident = crises["responded"]
    incident.refresh_from_db()
    [expected] = field_by_field([incident], manager)
    assert expected["assessed_at"] == "2026-11-20T02:00:00.123456Z"

    from django.utils import timezone

    with timezone.override("Europe/Paris"):
        [paris] = field_by_field([incident], manager)
        assert fast([incident], manager, many=False) == [paris]
    assert paris["assessed_at"] == "2026-11-20T03:00:00.123456+01:00"


# --- available_transitions: the user's permissions once, then the state per row ---------------


def test_availability_is_for_user_for_every_state_and_role(crises, manager, responder, viewer):
    incidents = rows_for(manager)
    assert len({i.status for i in incidents}) == 5
    for user in (manager, responder, viewer):
        available = incident_machine.availability(user)
        for incident in incidents:
            assert available(incident) == incident_machine.for_user(incident, user)
