"""The incident's `actions_summary` (counts, overdue on the request's clock, compensation totals)
and the query counts of the lists that show it: fixed, whatever the number of rows."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidents.actions.selectors import ActionsSummary, CompensationTotal, actions_summary
from incidents.api.views import INCIDENT_EXAMPLE
from tests.actions.conftest import incident_actions_url

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
EMPTY = {"open": 0, "done": 0, "cancelled": 0, "overdue": 0, "compensation": []}


def _money(amount: str, currency: str = "EUR", **fields) -> dict:
    return {"kind": "compensation", "amount": Decimal(amount), "currency": currency, **fields}


def test_an_incident_without_actions(make_incident, viewer, client_for):
    incident = make_incident()

    body = client_for(viewer).get(f"/api/v1/incidents/{incident.pk}/").json()

    assert body["actions_summary"] == EMPTY


def test_the_figures(make_incident, make_action, viewer, client_for):
    incident = make_incident("responding")
    with time_machine.travel(NOW - timedelta(days=3), tick=False):
        make_action(incident, due_at=NOW - timedelta(hours=1))  # overdue
        make_action(incident, due_at=NOW + timedelta(hours=1))  # open, not yet due
        make_action(incident)  # open, no due time
        make_action(incident, status="done", due_at=NOW - timedelta(days=1))  # done: never overdue
        make_action(incident, status="cancelled", due_at=NOW - timedelta(days=1))
        make_action(incident, **_money("1250.50", beneficiaries=10))  # open
        make_action(incident, status="done", **_money("0.50"))
        make_action(incident, status="cancelled", **_money("9999.00"))  # not counted
        make_action(incident, **_money("20.00", "USD"))
        make_action(incident, status="cancelled", **_money("5.00", "GBP"))  # no GBP at all
        make_action(make_incident(), **_money("7.00"))  # another incident's
    client = client_for(viewer)

    with time_machine.travel(NOW, tick=False):
        detail = client.get(f"/api/v1/incidents/{incident.pk}/").json()
        listed = client.get("/api/v1/incidents/").json()["results"]

    expected = {
        "open": 5, "done": 2, "cancelled": 3, "overdue": 1,
        "compensation": [
            {"currency": "EUR", "total": "1251.00", "count": 2},
            {"currency": "USD", "total": "20.00", "count": 1},
        ],
    }  # fmt: skip
    assert detail["actions_summary"] == expected
    assert next(r for r in listed if r["id"] == str(incident.pk))["actions_summary"] == expected


def test_overdue_follows_the_clock(make_action, viewer, client_for):
    with time_machine.travel(NOW, tick=False):
        action = make_action(due_at=NOW + timedelta(hours=2))
        client = client_for(viewer)
    url = f"/api/v1/incidents/{action.incident_id}/"

    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        before = client.get(url).json()["actions_summary"]["overdue"]
        action_before = client.get(f"/api/v1/actions/{action.pk}/").json()["overdue"]
    with time_machine.travel(NOW + timedelta(hours=3), tick=False):
        after = client.get(url).json()["actions_summary"]["overdue"]
        action_after = client.get(f"/api/v1/actions/{action.pk}/").json()["overdue"]

    assert (before, after) == (0, 1)
    assert (action_before, action_after) == (False, True)


def test_totals_are_exact_to_the_cent(make_incident, make_action):
    incident = make_incident()
    for _ in range(10):
        make_action(incident, **_money("0.10"))
    for _ in range(3):
        make_action(incident, **_money("999999999999.99"))

    summary = actions_summary(incident=incident, now=NOW)

    assert summary == ActionsSummary(
        open=13,
        compensation=[CompensationTotal("EUR", Decimal("2999999999999.97") + Decimal("1.00"), 13)],
    )


def test_the_detail_reads_the_grouped_query_s_figures_with_its_row(make_incident, make_action,
                                                                   viewer, client_for):  # fmt: skip
    incident = make_incident("responding")
    for _ in range(13):
        make_action(incident, **_money("999999999999.99"))
    make_action(incident, status="done", **_money("0.01", "USD"))
    make_action(incident, status="cancelled", **_money("5.00", "GBP"))
    make_action(incident, due_at=NOW - timedelta(hours=1))

    with time_machine.travel(NOW, tick=False):
        detail = client_for(viewer).get(f"/api/v1/incidents/{incident.pk}/").json()
    grouped = actions_summary(incident=incident, now=NOW)

    assert detail["actions_summary"] == {
        "open": 14, "done": 1, "cancelled": 1, "overdue": 1,
        "compensation": [
            {"currency": "EUR", "total": "12999999999999.87", "count": 13},
            {"currency": "USD", "total": "0.01", "count": 1},
        ],
    }  # fmt: skip
    assert grouped.compensation[0].total == Decimal("12999999999999.87")


def test_the_summary_is_in_the_schema_with_an_example():
    assert INCIDENT_EXAMPLE["actions_summary"]["compensation"][0]["total"] == "18450.00"


# --- Query counts --------------------------------------------------------------------------


def _queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
    assert response.status_code == 200, response.json()
    return len(queries)


@pytest.mark.parametrize("role", ["manager", "viewer"])
def test_the_incident_list_reads_every_summary_in_one_query(role, make_incident, make_action,
                                                            make_user, client_for):  # fmt: skip
    client = client_for(make_user(role))
    first = make_incident("responding")
    make_action(first, **_money("10.00"))
    one = _queries(client, "/api/v1/incidents/")

    for i in range(99):
        incident = make_incident("responding" if i % 2 else "detected")
        make_action(incident, status="done" if i % 3 else "open", **_money(f"{i + 1}.00"))
        make_action(incident, due_at=NOW)
    hundred = _queries(client, "/api/v1/incidents/", {"page_size": 100})

    # token, permissions, the page (participants too), the actions' summaries (GROUP BY)
    assert one == hundred == 4


def test_the_incident_detail_reads_its_summary_with_its_row(make_incident, make_action,
                                                           viewer, client_for):  # fmt: skip
    incident = make_incident()
    client = client_for(viewer)
    url = f"/api/v1/incidents/{incident.pk}/"
    none = _queries(client, url)
    for i in range(30):
        make_action(incident, **_money("1.00", "EUR" if i % 2 else "USD"))

    # token, permissions, the incident (its actions' summary a JSON column of its row)
    assert none == _queries(client, url) == 3


@pytest.mark.parametrize("count", [1, 60])
def test_the_action_list_takes_a_fixed_number_of_queries(count, make_incident, make_action,
                                                         make_user, viewer, client_for,
                                                         django_assert_num_queries):  # fmt: skip
    incident = make_incident("responding")
    owner = make_user("responder")
    for i in range(count):
        make_action(incident, owner=owner if i % 2 else None)
    client = client_for(viewer)

    with django_assert_num_queries(4):  # token, permissions, incident, page
        response = client.get(incident_actions_url(incident), {"page_size": 100})

    assert len(response.json()["results"]) == count


def test_the_action_detail_takes_a_fixed_number_of_queries(make_action, make_user, viewer,
                                                           client_for,
                                                           django_assert_num_queries):  # fmt: skip
    action = make_action(owner=make_user("responder"))
    client = client_for(viewer)

    with django_assert_num_queries(3):  # token, permissions, the action (with its users)
        response = client.get(f"/api/v1/actions/{action.pk}/")

    assert response.status_code == 200
