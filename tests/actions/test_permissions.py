"""Who may do what with actions (role by operation), and confidentiality: an outsider gets 404
for a confidential incident's actions, as for the incident itself."""

import pytest

from incidents.actions.models import Action
from incidents.actions.services import TRANSITION_SERVICES
from tests.actions.conftest import (
    ACTION_PATHS,
    ACTION_TRANSITION_INPUT,
    action_url,
    incident_actions_url,
)

NO_ROLE = "Your account has no role; ask a manager to give you one."
WRONG_ROLE = "Your role does not allow this; ask a manager for the responder or manager role."
MONITOR = (
    "This account feeds monitoring signals only: it may post signals (POST /api/v1/signals/), "
    "list its own tokens and revoke one, nothing else. Use a person's account for anything else."
)


def _transition_refusal(name: str) -> str:
    return (
        f"Your role does not allow '{name}' (it needs the actions.{name}_action permission); ask "
        "a manager for a role that does."
    )


# operation -> (method, url maker, body, status the action must be in)
OPERATIONS = {
    "list": ("get", lambda a: incident_actions_url(a.incident), None, "open"),
    "create": ("post", lambda a: incident_actions_url(a.incident), {"kind": "fix", "title": "x"},
               "open"),
    "read": ("get", action_url, None, "open"),
    "update": ("patch", action_url, {"title": "New"}, "open"),
    **{
        name: ("post", lambda a, name=name: action_url(a, name), ACTION_TRANSITION_INPUT[name],
               "done" if name == "reopen" else "open")
        for name in ACTION_TRANSITION_INPUT
    },
}  # fmt: skip
OK = {"list": 200, "create": 201, "read": 200, "update": 200, "complete": 200, "cancel": 200,
      "reopen": 200}  # fmt: skip
# role -> the operations it may run (the others: 403 with the detail below)
ALLOWED = {
    "viewer": {"list", "read"},
    "responder": set(OPERATIONS),
    "manager": set(OPERATIONS),
    None: set(),
    "monitor": set(),
}


def _refusal(role, operation) -> str:
    if role == "monitor":
        return MONITOR
    if role is None:
        return NO_ROLE
    if operation in ACTION_TRANSITION_INPUT:
        return _transition_refusal(operation)
    return WRONG_ROLE


@pytest.mark.parametrize("operation", OPERATIONS)
@pytest.mark.parametrize("role", ALLOWED)
def test_role_matrix(role, operation, make_incident, make_action, make_user, client_for):
    method, url, body, status = OPERATIONS[operation]
    action = make_action(make_incident("responding"), status=status)
    client = client_for(make_user(role))

    response = getattr(client, method)(url(action), body, format="json")

    if operation in ALLOWED[role]:
        assert response.status_code == OK[operation], response.json()
    else:
        assert response.status_code == 403
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["detail"] == _refusal(role, operation)
        assert Action.objects.count() == 1
        assert Action.objects.get().version == action.version


@pytest.fixture
def confidential_action(make_incident, make_action, manager):
    incident = make_incident("responding", actor=manager, is_confidential=True)
    return make_action(incident, actor=manager)


@pytest.mark.parametrize("operation", OPERATIONS)
@pytest.mark.parametrize("role", ["viewer", "responder"])
def test_outsiders_get_404_for_a_confidential_incidents_actions(
    role, operation, confidential_action, make_user, client_for
):
    method, url, body, status = OPERATIONS[operation]
    for name in ACTION_PATHS[status]:
        TRANSITION_SERVICES[name](
            action_id=confidential_action.pk,
            actor=confidential_action.created_by,
            **ACTION_TRANSITION_INPUT[name],
        )

    response = getattr(client_for(make_user(role)), method)(
        url(confidential_action), body, format="json"
    )

    assert response.status_code == 404
    assert response.json()["detail"] == "No such resource, or you are not allowed to see it."


@pytest.mark.parametrize("relation", ["participants", "owner"])
def test_insiders_see_a_confidential_incidents_actions(relation, make_incident, make_action,
                                                       manager, make_user, client_for):  # fmt: skip
    insider = make_user("responder")
    extra = {"participants": [insider]} if relation == "participants" else {"owner": insider}
    incident = make_incident("responding", actor=manager, is_confidential=True, **extra)
    action = make_action(incident, actor=manager)
    client = client_for(insider)

    assert client.get(action_url(action)).status_code == 200
    assert client.get(incident_actions_url(incident)).json()["results"][0]["id"] == str(action.pk)
    assert client.post(action_url(action, "complete"), {}, format="json").status_code == 200


def test_a_confidential_incidents_summary_is_not_leaked_in_lists(
    make_incident, make_action, manager, viewer, client_for
):
    hidden = make_incident("responding", actor=manager, is_confidential=True)
    make_action(hidden, actor=manager)
    public = make_incident("responding", actor=manager)

    results = client_for(viewer).get("/api/v1/incidents/").json()["results"]

    assert [r["id"] for r in results] == [str(public.pk)]
    assert results[0]["actions_summary"]["open"] == 0
