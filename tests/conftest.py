"""Fixtures shared by the whole suite: users by role, authenticated clients, incidents."""

import itertools

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from crisis_api.auth.roles import user_set_role
from crisis_api.auth.token_use import api_token_touch
from crisis_api.auth.tokens import api_token_issue
from incidents import services

_names = itertools.count(1)


@pytest.fixture(autouse=True, scope="session")
def rate_limits_out_of_the_way():
    """The suite never trips the rate limits; tests of the limits set low rates themselves."""
    from django.conf import settings

    for name in ("THROTTLE_USER_RATE", "THROTTLE_ANON_RATE", "THROTTLE_SIGNALS_RATE"):
        setattr(settings, name, "1000000/min")


# The input each transition needs, so tests can walk an incident to any state.
TRANSITION_INPUT = {
    "assess": {"severity": "high", "scope": "spreading", "impact": ["reputation"]},
    "respond": {},
    "resolve": {"resolution_summary": "Apology posted and refunds offered."},
    "dismiss": {"reason": "False alarm."},
    "reopen": {"reason": "It flared up again."},
    "review": {
        "summary": "Refund backlash.",
        "root_cause": "Unannounced policy change.",
        "what_went_well": "Fast first answer.",
        "what_went_wrong": "Mixed messages.",
        "lessons_learned": "Brief support first.",
        "follow_up_actions": ["Write the FAQ"],
    },
}
# The oracle of the lifecycle, written from DESIGN.md (not from the code): which transition runs
# from which status, and where it leads. Every layer's tests derive their tables from it.
LIFECYCLE = {
    ("assess", "detected"): "assessed",
    ("dismiss", "detected"): "resolved",
    ("dismiss", "assessed"): "resolved",
    ("respond", "assessed"): "responding",
    ("resolve", "responding"): "resolved",
    ("reopen", "resolved"): "responding",
    ("review", "resolved"): "reviewed",
}


def allowed_from(status: str) -> set[str]:
    """The transitions the oracle allows from `status`."""
    return {name for name, source in LIFECYCLE if source == status}


def runs_from(name: str) -> str:
    """A status `name` can run from."""
    return next(source for transition, source in LIFECYCLE if transition == name)


# How to reach each status from `detected`, through the real transitions.
PATHS = {
    "detected": [],
    "assessed": ["assess"],
    "responding": ["assess", "respond"],
    "resolved": ["assess", "respond", "resolve"],
    "reviewed": ["assess", "respond", "resolve", "review"],
}


@pytest.fixture
def plain_static_files(settings):
    """Static URLs without collectstatic's manifest, for tests that render HTML pages."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def admin_client_for(client, plain_static_files):
    """admin_client_for(user) -> the test client, logged in to the admin as that user."""

    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture
def make_user(db):
    """make_user(role=None, username=None) -> a user with that role (None: no role)."""

    def make(role: str | None = "responder", username: str | None = None):
        user = get_user_model().objects.create_user(username or f"{role or 'norole'}{next(_names)}")
        if role:
            user_set_role(user=user, role=role)
        return user

    return make


@pytest.fixture
def viewer(make_user):
    return make_user("viewer")


@pytest.fixture
def responder(make_user):
    return make_user("responder")


@pytest.fixture
def manager(make_user):
    return make_user("manager")


@pytest.fixture
def client_for(db):
    """client_for(user) -> an APIClient sending a fresh bearer token of that user."""

    def make(user) -> APIClient:
        token, secret = api_token_issue(user=user)
        # A client already in use: its first request would otherwise also write last_used_at,
        # which query counts would see (tests/crisis_api cover that first write).
        api_token_touch(token=token)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
        return client

    return make


def run_transition(incident, name: str, actor, **overrides):
    """Run one transition through its service with the standard input."""
    service = services.TRANSITION_SERVICES[name]
    return service(incident_id=incident.pk, actor=actor, **{**TRANSITION_INPUT[name], **overrides})


@pytest.fixture
def make_incident(db, make_user):
    """make_incident(status="detected", actor=None, **fields) via the real services."""
    default_actor = None

    def make(status: str = "detected", actor=None, *, dismissed: bool = False, **fields):
        nonlocal default_actor
        if actor is None:
            default_actor = default_actor or make_user("manager")
            actor = default_actor
        fields.setdefault("title", "Viral post about late deliveries")
        incident = services.incident_create(actor=actor, **fields)
        path = ["dismiss"] if dismissed else PATHS[status]
        for name in path:
            incident = run_transition(incident, name, actor)
        return incident

    return make
