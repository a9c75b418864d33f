"""Fixtures of the action tests: actions made through the real services, and their URLs."""

from decimal import Decimal

import pytest
from django.urls import reverse

from incidents.actions import services

# The oracle of the action lifecycle, written from the issue (not from the code).
ACTION_LIFECYCLE = {
    ("complete", "open"): "done",
    ("cancel", "open"): "cancelled",
    ("reopen", "done"): "open",
    ("reopen", "cancelled"): "open",
}
ACTION_TRANSITION_INPUT = {
    "complete": {"note": "Done by the payment team."},
    "cancel": {"reason": "Replaced by a voucher."},
    "reopen": {"reason": "Refunds bounced."},
}
# How to reach each status from open, through the real transitions.
ACTION_PATHS = {"open": [], "done": ["complete"], "cancelled": ["cancel"]}
COMPENSATION = {"kind": "compensation", "amount": Decimal("150.00"), "currency": "EUR"}


def incident_actions_url(incident) -> str:
    return reverse("incident-actions", kwargs={"incident_id": incident.pk})


def action_url(action, name: str | None = None) -> str:
    if name is None:
        return reverse("action-detail", kwargs={"pk": action.pk})
    return reverse(f"action-{name}", kwargs={"pk": action.pk})


@pytest.fixture
def make_action(db, make_incident):
    """make_action(incident=None, status="open", actor=None, **fields) via the real services."""

    def make(incident=None, status: str = "open", actor=None, **fields):
        incident = incident or make_incident("responding")
        actor = actor or incident.created_by
        fields.setdefault("kind", "fix")
        fields.setdefault("title", "Restore the order-tracking page")
        action = services.action_create(incident_id=incident.pk, actor=actor, **fields)
        for name in ACTION_PATHS[status]:
            action = services.TRANSITION_SERVICES[name](
                action_id=action.pk, actor=actor, **ACTION_TRANSITION_INPUT[name]
            )
        return action

    return make
