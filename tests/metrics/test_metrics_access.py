"""Who may read the metrics, what they count, the period and its errors, and the query count."""

from datetime import timedelta

import pytest
from django.db import connection

from tests.incidents.test_api_permissions import assert_problem, assert_unauthorized
from tests.metrics.conftest import NOW, D, History, assess, resolve, respond

URL = "/api/v1/metrics/"


def get(client, **params):
    return client.get(URL, params)


# --- roles ------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["viewer", "responder", "manager"])
def test_every_role_that_reads_incidents_reads_the_metrics(role, make_user, client_for):
    assert get(client_for(make_user(role))).status_code == 200


def test_a_monitor_is_refused(make_user, client_for):
    body = assert_problem(get(client_for(make_user("monitor"))), 403)
    assert body["detail"].startswith("This account feeds monitoring signals only")


def test_an_account_without_a_role_is_refused(make_user, client_for):
    body = assert_problem(get(client_for(make_user(None))), 403)
    assert body["detail"] == "Your account has no role; ask a manager to give you one."


def test_anonymous_is_401(db, client):
    assert_unauthorized(client.get(URL))


def test_a_session_user_of_the_admin_reads_them_too(client, manager):
    client.force_login(manager)
    assert client.get(URL).status_code == 200


# --- confidentiality --------------------------------------------------------------------------


def test_managers_count_every_incident_others_those_they_may_see(
    known, client_for, viewer, manager, make_user
):
    """K is confidential (critical, 5 s to assess, signals, a published statement, a
    compensation): it counts for managers and its creator, not for a viewer."""
    seen = {}
    creator = known["K"].created_by
    for name, user in (("viewer", viewer), ("manager", manager), ("creator", creator)):
        seen[name] = get(client_for(user)).json()
    assert seen["viewer"]["incidents"]["total"] == 10
    assert seen["manager"]["incidents"]["total"] == seen["creator"]["incidents"]["total"] == 11
    assert seen["manager"]["incidents_counted"] == "all"
    assert seen["creator"]["incidents_counted"] == "visible"
    viewer_figures, manager_figures = seen["viewer"], seen["manager"]
    critical = manager_figures["durations"]["time_to_assess"]["by_severity"]["critical"]
    assert critical == {"count": 2, "median": 302.5, "p90": 540.5}  # [5, 600]
    assert viewer_figures["durations"]["time_to_assess"]["by_severity"]["critical"]["count"] == 1
    assert viewer_figures["signals"]["reach"] == 1500
    assert manager_figures["signals"]["reach"] == 1507
    assert viewer_figures["communications"]["published"] == 3
    assert manager_figures["communications"]["published"] == 4
    assert manager_figures["compensations"][0]["total"] == "1300.75"


def test_a_participant_counts_the_confidential_incident_they_take_part_in(
    frozen, make_user, client_for, viewer
):
    history = History(make_user("manager"))
    history.incident(D, is_confidential=True, participants=[viewer])
    history.incident(D, is_confidential=True)
    assert get(client_for(viewer)).json()["incidents"]["total"] == 1


# --- the period -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"from": "2026-03-01", "to": "2026-03-10"},
         {"from": "2026-03-01T00:00:00Z", "to": "2026-03-11T00:00:00Z"}),
        ({"from": "2026-03-01T00:00:00+01:00", "to": "2026-03-10T12:30:00Z"},
         {"from": "2026-02-28T23:00:00Z", "to": "2026-03-10T12:30:00Z"}),
        ({"from": "2026-03-01"}, {"from": "2026-03-01T00:00:00Z", "to": "2026-03-20T12:00:00Z"}),
        ({"to": "2026-03-10"}, {"from": "2025-12-11T00:00:00Z", "to": "2026-03-11T00:00:00Z"}),
        ({"from": "", "to": ""}, {"from": "2025-12-20T12:00:00Z", "to": "2026-03-20T12:00:00Z"}),
        ({"from": "2026-03-20", "to": "2026-03-20"},
         {"from": "2026-03-20T00:00:00Z", "to": "2026-03-21T00:00:00Z"}),
        ({"from": "2021-03-20", "to": "2026-03-20"},
         {"from": "2021-03-20T00:00:00Z", "to": "2026-03-21T00:00:00Z"}),
        ({"from": "20260301", "to": "20260310"},  # ISO 8601's basic format
         {"from": "2026-03-01T00:00:00Z", "to": "2026-03-11T00:00:00Z"}),
        # the default start never falls before the earliest date
        ({"to": "2000-01-01"}, {"from": "2000-01-01T00:00:00Z", "to": "2000-01-02T00:00:00Z"}),
    ],
)  # fmt: skip
def test_the_period(frozen, viewer, client_for, params, expected):
    response = get(client_for(viewer), **params)
    assert response.status_code == 200, response.json()
    assert response.json()["period"] == expected


def test_the_period_counts_detection_from_included_to_excluded(history, viewer, client_for):
    history.incident(NOW - NOW.replace(day=10, hour=0))  # 2026-03-10T00:00:00Z
    history.incident(NOW - NOW.replace(day=11, hour=0))  # 2026-03-11T00:00:00Z
    client = client_for(viewer)

    def total(**params):
        return get(client, **params).json()["incidents"]["total"]

    assert total(**{"from": "2026-03-10", "to": "2026-03-10"}) == 1
    assert total(**{"from": "2026-03-10T00:00:00Z", "to": "2026-03-11T00:00:00Z"}) == 1
    assert total(**{"from": "2026-03-10T00:00:01Z", "to": "2026-03-11T00:00:01Z"}) == 1
    assert total(**{"from": "2026-03-09", "to": "2026-03-11"}) == 2


INVALID = (
    "Give a date (2026-03-01) or an ISO 8601 date-time with its offset (2026-03-01T00:00:00+01:00)."
)
NAIVE = "Add the UTC offset (e.g. +01:00 or Z): a date-time without one is ambiguous."
RANGE = "Give a date from 2000-01-01 to 2099-12-31."


@pytest.mark.parametrize(
    ("params", "errors"),
    [
        ({"from": "yesterday"}, {"from": [INVALID]}),
        ({"to": "2026-13-01"}, {"to": [INVALID]}),
        ({"to": "2026-02-30"}, {"to": [INVALID]}),
        ({"from": "2026-03-01T10:00:00+99:00"}, {"from": [INVALID]}),
        ({"from": "2026-03-01T10:00:00"}, {"from": [NAIVE]}),
        ({"from": "1999-12-31"}, {"from": [RANGE]}),
        ({"to": "9999-12-31T23:59:59-23:59"}, {"to": [RANGE]}),
        ({"from": "0001-01-01T00:00:00+01:00"}, {"from": [RANGE]}),
        ({"from": "2026-03-01\x00"}, {"from": [INVALID]}),
        ({"from": "\uff12026-03-01"}, {"from": [INVALID]}),  # a full-width digit
        ({"from": "9" * 5000}, {"from": [INVALID]}),
        ({"from": "2026-03-10", "to": "2026-03-01"}, {"to": ["Give a `to` later than `from`."]}),
        ({"from": "2026-03-10T00:00:00Z", "to": "2026-03-10T00:00:00Z"},
         {"to": ["Give a `to` later than `from`."]}),
        ({"from": "2020-01-01", "to": "2026-01-01"},
         {"from": ["Ask for at most 5 years (1,827 days): bring `from` and `to` closer."]}),
        ({"from": "2000-01-01"},
         {"from": ["Ask for at most 5 years (1,827 days): bring `from` and `to` closer."]}),
        ({"from": "x", "to": "y"}, {"from": [INVALID], "to": [INVALID]}),
    ],
)  # fmt: skip
def test_a_bad_period_is_400_field_by_field(frozen, viewer, client_for, params, errors):
    body = assert_problem(get(client_for(viewer), **params), 400)
    assert body["errors"] == errors


def test_a_repeated_parameter_takes_its_last_value(frozen, viewer, client_for):
    response = client_for(viewer).get(URL + "?from=nonsense&from=2026-03-01")
    assert response.json()["period"]["from"] == "2026-03-01T00:00:00Z"


def test_unknown_parameters_are_ignored_as_in_lists(frozen, viewer, client_for):
    assert get(client_for(viewer), since="2026-01-01").status_code == 200


def test_french_errors(frozen, viewer, client_for):
    response = client_for(viewer).get(URL, {"from": "x"}, HTTP_ACCEPT_LANGUAGE="fr")
    message = assert_problem(response, 400)["errors"]["from"][0]
    assert message.startswith("Indiquez une date (2026-03-01)")


# --- query count ------------------------------------------------------------------------------


def test_a_fixed_number_of_queries_whatever_the_data(
    history, client_for, manager, viewer, django_assert_num_queries
):
    """Token and permissions, then: the incidents' aggregate (their signals included), per
    week, communications, compensations; SQLite reads the incidents' times for the
    percentiles."""
    expected = 2 + 4 + (0 if connection.vendor == "postgresql" else 1)
    clients = {user: client_for(user) for user in (manager, viewer)}

    def measure():
        for client in clients.values():
            with django_assert_num_queries(expected):
                assert get(client).status_code == 200

    measure()  # nothing yet
    history.incident(2 * D, steps=[assess("high", timedelta(minutes=5))])
    measure()  # one incident
    for day in range(3, 40):
        incident = history.incident(
            day * D, steps=[assess("low", timedelta(hours=1)), respond(timedelta(hours=2)),
                            resolve(timedelta(hours=3))])  # fmt: skip
        history.communication(incident, "published")
        history.compensation(incident, "10.00", "EUR")
    measure()  # 38 of them
