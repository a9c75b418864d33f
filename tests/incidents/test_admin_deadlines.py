"""Deadlines in the managers' workspace: the severity policy, the list's badges and filter, and
breaches on the incident page."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from crisis_api.models import Event
from incidents import services
from incidents.deadlines.services import incident_deadline_breaches_record
from incidents.models import SeverityPolicy

POLICIES = reverse("admin:incidents_severitypolicy_changelist")
INCIDENTS = reverse("admin:incidents_incident_changelist")
H = timedelta(hours=1)


def policy_url(severity: str) -> str:
    return reverse("admin:incidents_severitypolicy_change", args=[severity])


@pytest.fixture
def late(make_incident, manager):
    """A critical incident assessed two hours ago, without a response: its response breached."""
    now = timezone.now()
    incident = make_incident(actor=manager, title="Late one", detected_at=now - 3 * H)
    return services.incident_assess(
        incident_id=incident.pk, actor=manager, severity="critical", at=now - 2 * H
    )


# --- The severity policy ------------------------------------------------------------------


def test_managers_see_the_policy_most_severe_first(manager, admin_client_for):
    response = admin_client_for(manager).get(POLICIES)

    html = response.content.decode()
    assert response.status_code == 200
    rows = [html.index(f'data-value="{s}"') for s in ("critical", "high", "medium", "low")]
    assert rows == sorted(rows)
    assert ">1 hour<" in html and ">3 days<" in html and ">14 days<" in html
    assert reverse("admin:incidents_severitypolicy_add") not in html  # no Add button


def test_a_manager_changes_a_window(manager, admin_client_for):
    response = admin_client_for(manager).post(
        policy_url("high"), {"response_window": "2:00:00", "resolution_window": "2 00:00:00"}
    )

    assert response.status_code == 302, response.content.decode()
    policy = SeverityPolicy.objects.get(pk="high")
    assert (policy.response_window, policy.resolution_window) == (2 * H, 48 * H)
    event = Event.objects.get(stream="system", action="severity_policy.updated")
    assert event.actor == manager
    assert event.data == {"severity": "high"}
    assert set(event.changes) == {"response_window", "resolution_window"}


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"response_window": "0", "resolution_window": "1:00:00"},
         "Give a time from one minute to 365 days."),
        ({"response_window": "1:00:00", "resolution_window": "400 00:00:00"},
         "Give a time from one minute to 365 days."),
        ({"response_window": "5:00:00", "resolution_window": "4:00:00"},
         "The time to resolve cannot be shorter than the time to respond."),
        ({"response_window": "soon", "resolution_window": "4:00:00"}, "Enter a valid duration."),
    ],
)  # fmt: skip
def test_the_form_says_what_is_wrong(values, message, manager, admin_client_for):
    response = admin_client_for(manager).post(policy_url("high"), values)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert SeverityPolicy.objects.get(pk="high").response_window == 4 * H
    assert not Event.objects.filter(action="severity_policy.updated").exists()


def test_the_form_says_how_to_write_a_duration(manager, admin_client_for):
    response = admin_client_for(manager).get(policy_url("critical"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "1:00:00 is one hour" in html
    assert 'value="01:00:00"' in html


def test_nobody_adds_or_deletes_a_severity(manager, admin_client_for):
    client = admin_client_for(manager)

    assert client.get(reverse("admin:incidents_severitypolicy_add")).status_code == 403
    delete = reverse("admin:incidents_severitypolicy_delete", args=["high"])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert SeverityPolicy.objects.count() == 4


@pytest.mark.parametrize("role", ["responder", "viewer"])
def test_other_roles_cannot_change_the_policy(role, make_user, admin_client_for):
    user = make_user(role)
    user.is_staff = True  # even with the staff flag set by hand
    user.save()
    client = admin_client_for(user)

    for url in (POLICIES, policy_url("high")):
        assert client.get(url).status_code == 302
    response = client.post(
        policy_url("high"), {"response_window": "0:05:00", "resolution_window": "1:00:00"}
    )

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    assert SeverityPolicy.objects.get(pk="high").response_window == 4 * H


def test_the_policy_permissions_are_the_managers(make_user):
    manager, responder = make_user("manager"), make_user("responder")

    assert manager.has_perm("incidents.change_severitypolicy")
    assert manager.has_perm("incidents.view_severitypolicy")
    assert not manager.has_perm("incidents.add_severitypolicy")
    assert not manager.has_perm("incidents.delete_severitypolicy")
    assert not responder.has_perm("incidents.change_severitypolicy")


# --- The incident list and page -------------------------------------------------------------


def test_the_list_shows_both_deadlines_as_badges(late, make_incident, manager, admin_client_for):
    make_incident(actor=manager, title="Not assessed")

    html = admin_client_for(manager).get(INCIDENTS).content.decode()

    assert 'data-value="breached"' in html
    assert ">Response · Breached</span>" in html
    assert ">Resolution · On track</span>" in html


@pytest.mark.parametrize(
    ("query", "shown"),
    [({"deadline": "breached"}, {"Late one"}), ({"deadline": "at_risk"}, {"Nearly"}),
     ({}, {"Late one", "Nearly", "Fresh"})],
)  # fmt: skip
def test_the_list_filters_on_at_risk_and_breached(
    query, shown, late, make_incident, manager, admin_client_for
):
    now = timezone.now()
    nearly = make_incident(actor=manager, title="Nearly", detected_at=now - H)
    services.incident_assess(  # 50 of its 60 minutes gone
        incident_id=nearly.pk, actor=manager, severity="critical", at=now - 50 * 60 * H / 3600
    )
    make_incident("assessed", actor=manager, title="Fresh")

    html = admin_client_for(manager).get(INCIDENTS, query).content.decode()

    assert {t for t in ("Late one", "Nearly", "Fresh") if t in html} == shown


def test_the_list_sorts_by_the_nearest_open_deadline(
    late, make_incident, manager, admin_client_for
):
    make_incident(actor=manager, title="Not assessed")
    make_incident("assessed", actor=manager, title="Fresh")
    client = admin_client_for(manager)
    column = 6  # reference, title, status, severity, owner, deadlines (after the checkbox)

    def titles(order):
        html = client.get(INCIDENTS, {"o": order}).content.decode()
        return sorted(("Late one", "Fresh", "Not assessed"), key=html.index)

    assert titles(f"{column}") == ["Late one", "Fresh", "Not assessed"]
    assert titles(f"-{column}") == ["Not assessed", "Fresh", "Late one"]


def test_the_page_shows_the_deadlines_and_the_breach_in_the_timeline(
    late, manager, admin_client_for
):
    incident_deadline_breaches_record()

    response = admin_client_for(manager).get(
        reverse("admin:incidents_incident_change", args=[late.pk])
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-action="incident.response_deadline_breached"' in html
    assert "<td>Response deadline breached</td>" in html
    assert ">Response · Breached</span> due " in html
