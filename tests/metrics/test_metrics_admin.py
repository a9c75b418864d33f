"""The metrics page of the managers' workspace: figures, charts, languages, who may open it."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.metrics.conftest import D, assess, resolve, respond

URL = "/admin/metrics/"


@pytest.fixture
def manager_client(admin_client_for, manager):
    return admin_client_for(manager)


def svgs(page: str) -> list[str]:
    return re.findall(r'<svg class="crisis-chart .*?</svg>', page, flags=re.S)


def test_the_page_shows_the_figures_and_three_kinds_of_chart(known, manager_client):
    response = manager_client.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    charts = svgs(page)
    # One chart per measured time, the deadlines, the weeks.
    assert len(charts) == 4 + 1 + 1
    for chart in charts:
        assert 'role="img"' in chart and "<title id=" in chart and "<desc id=" in chart
        assert "<script" not in chart and "href" not in chart
    assert "<script" not in page.split('id="content-main"')[1]
    assert "Detected from" in page and ": 11 incidents." in page  # K counts for a manager
    assert "Every incident counts, confidential ones included." in page
    durations = charts[0]
    assert "Time to assess by severity" in durations
    assert "High, median: 5 min (3 incidents)" in durations  # [60, 300, 900] s
    assert "Critical, 90th percentile: 9 min (2 incidents)" in durations  # [5, 600] s: 540.5
    compliance = charts[4]
    assert "Response, Met: 6" in compliance and "Resolution, Breached: 1" in compliance
    weeks = charts[5]
    assert weeks.count("<rect ") == 14 and "Week of 03/16/2026: 5 incidents" in weeks  # K too
    assert '<th scope="row">EUR</th><td class="crisis-number">1,300.75</td>' in page


def test_the_page_in_french(known, manager_client):
    page = manager_client.get(URL, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Métriques de l\u2019équipe" in page
    assert "Temps avant évaluation, par gravité" in page
    assert re.search(r"EUR</th><td class=\"crisis-number\">1\s300,75</td>", page)


def test_a_chosen_period(known, manager_client):
    page = manager_client.get(URL, {"from": "2026-03-16", "to": "2026-03-20"}).content.decode()
    assert ": 5 incidents." in page  # G H I J, and K (confidential, seen by a manager)
    assert 'value="2026-03-16"' in page and 'value="2026-03-20"' in page


def test_a_bad_period_says_why_and_shows_the_last_90_days(known, manager_client):
    response = manager_client.get(URL, {"from": "2026-03-10", "to": "2026-03-01"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "The period is not valid; the last 90 days are shown instead." in page
    assert 'id="id_to_error">Give a `to` later than `from`.</p>' in page
    assert ": 11 incidents." in page


def test_the_page_is_linked_from_home_and_from_the_incident_list(db, manager_client):
    assert f'href="{URL}"' in manager_client.get(reverse("admin:index")).content.decode()
    changelist = manager_client.get(reverse("admin:incidents_incident_changelist"))
    assert f'href="{URL}"' in changelist.content.decode()


@pytest.mark.parametrize("role", ["viewer", "responder", "monitor", None])
def test_only_managers_open_it(role, make_user, admin_client_for):
    client = admin_client_for(make_user(role))
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_anonymous_is_sent_to_log_in(db, client):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"] == f"/admin/login/?next={URL}"


def test_an_empty_period_draws_empty_charts(frozen, manager_client):
    page = manager_client.get(URL).content.decode()
    assert page.count("No incident measured yet.") == 4
    assert "Response: No incidents." in page
    assert "No compensations offered." in page


def test_the_page_reads_a_fixed_number_of_queries(history, manager_client):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert manager_client.get(URL).status_code == 200
        return len(captured)

    history.incident(2 * D, steps=[assess("high", timedelta(minutes=5))])
    few = queries()
    for day in range(3, 30):
        incident = history.incident(
            day * D, steps=[assess("low", timedelta(hours=1)), respond(timedelta(hours=2)),
                            resolve(timedelta(hours=3))])  # fmt: skip
        history.compensation(incident, "10.00", "EUR")
    assert queries() == few
