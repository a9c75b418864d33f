"""`manage.py seed_demo`: rerunnable demo users and incidents, all made by the real services."""

import re
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from crisis_api.auth.roles import ROLES, user_role
from crisis_api.events.verification import verify_all
from crisis_api.models import Event
from incidents.deadlines.rules import DEADLINES, DeadlineState
from incidents.models import Incident, Resolution, Status

pytestmark = pytest.mark.django_db

# "  username   role   password   crisis_…" — one row per demo user.
LOGIN_ROW = re.compile(rf"^\s*({'|'.join(ROLES)})\s+(\w+)\s+(\S+)\s+(crisis_\S+)\s*$")


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    """The command hashes three passwords per run; PBKDF2 would make these tests slow."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def seed() -> dict[str, dict[str, str]]:
    """Run the command; return {username: {"role", "password", "token"}} parsed from stdout."""
    out = StringIO()
    call_command("seed_demo", stdout=out)
    logins = {}
    for line in out.getvalue().splitlines():
        match = LOGIN_ROW.match(line)
        if match:
            username, role, password, token = match.groups()
            logins[username] = {"role": role, "password": password, "token": token}
    assert set(logins) == set(ROLES), out.getvalue()
    return logins


def client_with(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def listed(token: str) -> list[dict]:
    response = client_with(token).get("/api/v1/incidents/", {"page_size": 100})
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_rerun_does_not_duplicate_incidents_users_or_timelines():
    seed()
    incidents, users = Incident.objects.count(), get_user_model().objects.count()
    incident_events = Event.objects.exclude(stream="system").count()

    seed()

    assert Incident.objects.count() == incidents >= 10
    assert get_user_model().objects.count() == users == len(ROLES)
    assert Event.objects.exclude(stream="system").count() == incident_events


def test_every_status_and_the_notable_cases_appear():
    seed()

    assert set(Incident.objects.values_list("status", flat=True)) == set(Status.values)
    dismissed = Incident.objects.filter(resolution=Resolution.DISMISSED)
    assert dismissed.filter(duplicate_of__isnull=False).exists()
    assert dismissed.filter(duplicate_of__isnull=True).exists()
    assert Incident.objects.filter(status=Status.ASSESSED, severity="critical").exists()
    assert Incident.objects.filter(is_confidential=True, category="data_leak").count() >= 2
    assert Event.objects.filter(action="incident.reopened").exists()
    assert Event.objects.filter(action="incident.note_added").exists()
    reviewed = Incident.objects.filter(status=Status.REVIEWED)
    assert all(incident.review_record.reviewed_by.username == "manager" for incident in reviewed)


def test_every_deadline_state_appears_and_the_breaches_are_recorded():
    seed()

    now = timezone.now()
    for kind in DEADLINES.values():
        shown = {kind.deadline(incident, now).state for incident in Incident.objects.all()}
        assert shown == set(DeadlineState), kind.name
    breached = Event.objects.filter(action__endswith="_deadline_breached")
    assert sorted(breached.values_list("action", flat=True)) == [
        "incident.resolution_deadline_breached", "incident.response_deadline_breached",
    ]  # fmt: skip


def test_event_chains_verify():
    seed()
    seed()

    reports = list(verify_all())
    assert len(reports) > Incident.objects.count()  # every incident, plus the system stream
    assert all(report.valid for report in reports), [r for r in reports if not r.valid]


def test_printed_logins_work_and_roles_match():
    logins = seed()

    for username, login in logins.items():
        user = get_user_model().objects.get(username=username)
        assert user_role(user) == login["role"] == username
        assert user.check_password(login["password"])
        assert user.is_staff == (username == "manager")
        if username == "monitor":  # a feed posts signals and reads nothing
            empty = client_with(login["token"]).post("/api/v1/signals/", {}, format="json")
            assert empty.status_code == 400, empty.content
        else:
            assert listed(login["token"])  # the token authenticates and the list is not empty


def test_confidential_incidents_stay_hidden_from_the_viewer():
    logins = seed()

    assert not any(i["is_confidential"] for i in listed(logins["viewer"]["token"]))
    confidential = {i["title"] for i in listed(logins["manager"]["token"]) if i["is_confidential"]}
    assert len(confidential) == Incident.objects.filter(is_confidential=True).count()


def test_rerun_revokes_the_previous_demo_tokens():
    first = seed()
    second = seed()

    for username in ROLES:
        old = client_with(first[username]["token"]).get("/api/v1/incidents/")
        assert old.status_code == 401
        new = client_with(second[username]["token"]).get("/api/v1/incidents/")
        assert new.status_code == (403 if username == "monitor" else 200)  # a feed reads nothing


@pytest.mark.django_db
def test_printed_links_follow_the_base_url():
    out = StringIO()

    call_command("seed_demo", "--base-url", "http://127.0.0.1:8140/", stdout=out)

    assert "http://127.0.0.1:8140/admin/" in out.getvalue()
    assert "http://127.0.0.1:8140/api/v1/incidents/" in out.getvalue()
    assert ":8000" not in out.getvalue()
