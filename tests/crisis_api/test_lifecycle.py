"""The platform's state-machine pieces, read from the `@transition` declarations."""

import pytest
from django.apps import apps
from django.contrib.auth.models import Group

from crisis_api.auth.roles import declared_role_permissions, roles_sync
from crisis_api.lifecycle.api import with_transition_actions
from crisis_api.lifecycle.errors import TransitionNotAllowed
from incidents import services
from incidents.state import incident_machine
from tests.conftest import LIFECYCLE, allowed_from


def test_names_events_and_permissions_come_from_the_declarations():
    assert set(incident_machine.names) == {name for name, _ in LIFECYCLE}
    assert incident_machine.event_action("respond") == "incident.response_started"
    assert incident_machine.permission("review") == "incidents.review_incident"
    assert {(e.name, e.source): e.target for e in incident_machine.edges} == LIFECYCLE


@pytest.mark.parametrize("status", ["detected", "assessed", "responding", "resolved", "reviewed"])
def test_allowed_matches_the_oracle(status, make_incident):
    incident = make_incident(status)
    assert set(incident_machine.allowed(incident)) == allowed_from(status)


def test_refusal_names_the_current_status_and_the_way_out(make_incident):
    incident = make_incident("detected")

    with pytest.raises(TransitionNotAllowed) as refused:
        incident_machine.check(incident, "resolve")

    assert refused.value.status_code == 409
    assert refused.value.extra == {
        "current_status": "detected",
        "allowed_transitions": ["assess", "dismiss"],
    }
    assert refused.value.detail == (
        "Transition 'resolve' is not allowed from 'detected'; allowed: assess, dismiss."
    )


def test_every_transition_needs_an_endpoint_and_a_service():
    endpoints = {name: (object, {}) for name in incident_machine.names}
    partial = {k: v for k, v in services.TRANSITION_SERVICES.items() if k != "review"}

    with pytest.raises(ValueError, match=r"without an endpoint or a service: \['review'\]"):
        with_transition_actions(
            incident_machine, endpoints=endpoints, services=partial, output_serializer=None
        )
    with pytest.raises(ValueError, match=r"no transition: \['escalate'\]"):
        with_transition_actions(
            incident_machine,
            endpoints={**endpoints, "escalate": (object, {})},
            services=services.TRANSITION_SERVICES,
            output_serializer=None,
        )


@pytest.mark.django_db
def test_groups_hold_exactly_what_the_apps_declare():
    group = Group.objects.get(name="viewer")
    group.permissions.clear()  # a manager's edit in the admin is undone by the next sync

    roles_sync()

    for role, names in declared_role_permissions().items():
        held = {
            f"{p.content_type.app_label}.{p.codename}"
            for p in Group.objects.get(name=role).permissions.select_related("content_type")
        }
        assert held == names, role
    assert "incidents.review_incident" in declared_role_permissions()["manager"]
    assert "incidents.review_incident" not in declared_role_permissions()["responder"]


@pytest.mark.django_db
def test_a_declared_permission_that_does_not_exist_is_an_error(monkeypatch):
    config = apps.get_app_config("incidents")
    monkeypatch.setattr(config, "role_permissions", {"viewer": ["incidents.fly_incident"]})

    with pytest.raises(ValueError, match=r"do not exist: incidents\.fly_incident"):
        roles_sync()


def test_a_declaration_for_an_unknown_role_is_an_error(monkeypatch):
    config = apps.get_app_config("incidents")
    monkeypatch.setattr(config, "role_permissions", {"pilot": ["incidents.view_incident"]})

    with pytest.raises(ValueError, match="'pilot', which is not a role"):
        declared_role_permissions()
