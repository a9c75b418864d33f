"""Fixtures for communications: drafts through the real services, walked to any status."""

import pytest

from incidents.communications import services
from incidents.communications.models import Communication
from tests.conftest import PATHS as INCIDENT_PATHS
from tests.conftest import run_transition

CALM_FR = (
    "Nous sommes désolés pour la gêne occasionnée. Nous vous tiendrons informés d'ici ce soir."
)
CALM_EN = "We are sorry for the disruption. We will post an update on our website by 6 pm today."

# How to reach each status from `draft`, through the real transitions.
PATHS = {
    "draft": [],
    "approved": ["approve"],
    "published": ["approve", "publish"],
    "withdrawn": ["withdraw"],
}
TRANSITION_INPUT = {"approve": {}, "publish": {}, "withdraw": {"reason": "Superseded."}}


def communication_url(communication) -> str:
    return f"/api/v1/communications/{communication.pk}/"


def incident_url(incident) -> str:
    return f"/api/v1/incidents/{incident.pk}/communications/"


@pytest.fixture
def make_rated(make_incident, manager):
    """make_rated(severity, status="assessed", **fields): an incident assessed at `severity`."""

    def make(severity: str, status: str = "assessed", **fields):
        incident = make_incident("detected", actor=manager, **fields)
        for name in INCIDENT_PATHS[status]:
            overrides = {"severity": severity} if name == "assess" else {}
            incident = run_transition(incident, name, manager, **overrides)
        return incident

    return make


@pytest.fixture
def make_communication(make_incident, manager):
    """make_communication(status="draft", incident=None, actor=None, **fields)."""

    def make(status: str = "draft", incident=None, actor=None, **fields) -> Communication:
        incident = incident or make_incident("assessed", actor=manager)
        fields.setdefault("channel", "x")
        fields.setdefault("audience", "customers")
        fields.setdefault("language", "fr")
        if "template" not in fields:
            fields.setdefault("body", CALM_FR)
        communication = services.communication_draft(
            incident_id=incident.pk, actor=actor or manager, **fields
        )
        for name in PATHS[status]:
            communication = services.TRANSITION_SERVICES[name](
                communication_id=communication.pk, actor=manager, **TRANSITION_INPUT[name]
            )
        return communication

    return make
