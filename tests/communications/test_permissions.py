"""Who may do what with communications, the tone check and templates: the matrix of role
by operation, monitors, anonymous callers, and confidential incidents (404 to outsiders)."""

import pytest
from rest_framework.test import APIClient

from incidents.communications.models import Template
from tests.communications.conftest import CALM_FR, communication_url, incident_url
from tests.incidents.test_api_permissions import assert_problem

DRAFT = {"channel": "x", "audience": "customers", "language": "fr", "body": CALM_FR}
TEMPLATE = {"name": "Attente", "language": "fr", "body": "À propos de {title}."}

# operation -> (method, url (from the fixtures), body, status of the communication it needs,
#               status on success)
OPERATIONS = {
    "list": ("get", "incident", None, None, 200),
    "create": ("post", "incident", DRAFT, None, 201),
    "retrieve": ("get", "communication", None, "draft", 200),
    "patch": ("patch", "communication", {"body": "Autre texte."}, "draft", 200),
    "approve": ("post", "approve", {}, "draft", 200),
    "publish": ("post", "publish", {}, "approved", 200),
    "withdraw": ("post", "withdraw", {"reason": "Superseded."}, "draft", 200),
    "tone_check": ("post", "tone-check", {"text": "Bonjour.", "language": "fr"}, None, 200),
    "templates_list": ("get", "templates", None, None, 200),
    "templates_retrieve": ("get", "template", None, None, 200),
    "templates_create": ("post", "templates", TEMPLATE, None, 201),
    "templates_patch": ("patch", "template", {"name": "Renamed"}, None, 200),
    "templates_delete": ("delete", "template", None, None, 204),
}
ALLOWED = {
    "viewer": {"list", "retrieve"},
    "responder": {"list", "create", "retrieve", "patch", "publish", "withdraw", "tone_check",
                  "templates_list", "templates_retrieve"},
    "manager": set(OPERATIONS),
    "monitor": set(),
    None: set(),
}  # fmt: skip


def _url(kind: str, incident, communication, template) -> str:
    if kind == "incident":
        return incident_url(incident)
    if kind == "communication":
        return communication_url(communication)
    if kind in ("approve", "publish", "withdraw"):
        return f"{communication_url(communication)}{kind}/"
    if kind == "tone-check":
        return "/api/v1/tone-check/"
    if kind == "templates":
        return "/api/v1/templates/"
    return f"/api/v1/templates/{template.pk}/"


@pytest.mark.parametrize("role", list(ALLOWED))
@pytest.mark.parametrize("operation", list(OPERATIONS))
def test_role_by_operation(client_for, make_user, make_incident, make_communication, role,
                           operation):  # fmt: skip
    method, kind, body, status, success = OPERATIONS[operation]
    incident = make_incident("assessed")
    communication = make_communication(status or "draft", incident=incident)
    template = Template.objects.create(name="T", language="fr", body="Bonjour.")
    response = getattr(client_for(make_user(role)), method)(
        _url(kind, incident, communication, template), body, format="json"
    )
    if operation in ALLOWED[role]:
        assert response.status_code == success, response.content
    else:
        problem = assert_problem(response, 403)
        if role == "monitor":
            assert problem["detail"].startswith("This account feeds monitoring signals only")


@pytest.mark.parametrize("operation", list(OPERATIONS))
def test_anonymous_callers_get_401(make_incident, make_communication, operation):
    method, kind, body, status, _ = OPERATIONS[operation]
    incident = make_incident("assessed")
    communication = make_communication(status or "draft", incident=incident)
    template = Template.objects.create(name="T", language="fr", body="Bonjour.")
    response = getattr(APIClient(), method)(
        _url(kind, incident, communication, template), body, format="json"
    )
    assert_problem(response, 401)


def test_a_responder_is_told_to_ask_a_manager_for_approval(client_for, responder,
                                                           make_communication):  # fmt: skip
    communication = make_communication()
    response = client_for(responder).post(
        f"{communication_url(communication)}approve/", {}, format="json"
    )
    assert assert_problem(response, 403)["detail"] == (
        "Your role does not allow 'approve' (it needs the "
        "communications.approve_communication permission); ask a manager for a role that does."
    )


def test_available_transitions_follow_the_role(client_for, make_user, make_communication):
    communication = make_communication()
    seen = {
        role: client_for(make_user(role)).get(communication_url(communication)).json()
        ["available_transitions"]
        for role in ("viewer", "responder", "manager")
    }  # fmt: skip
    assert seen == {"viewer": [], "responder": ["withdraw"], "manager": ["approve", "withdraw"]}


# --- Confidential incidents ------------------------------------------------------------------


@pytest.fixture
def secret(make_incident, make_user, manager):
    """A confidential incident with one communication, and who is in the know."""
    insider = make_user("responder")
    incident = make_incident("assessed", actor=manager, is_confidential=True,
                             participants=[insider])  # fmt: skip
    return incident, insider


@pytest.mark.parametrize(
    ("method", "kind", "body"),
    [
        ("get", "incident", None),
        ("post", "incident", DRAFT),
        ("get", "communication", None),
        ("patch", "communication", {"body": "Autre."}),
        ("post", "approve", {}),
        ("post", "publish", {}),
        ("post", "withdraw", {"reason": "x"}),
    ],
)
def test_outsiders_get_404_for_a_confidential_incidents_communications(
    client_for, make_user, make_communication, secret, manager, method, kind, body
):
    incident, insider = secret
    communication = make_communication(incident=incident)
    url = _url(kind, incident, communication, None)
    for outsider in (make_user("responder"), make_user("viewer")):
        response = getattr(client_for(outsider), method)(url, body, format="json")
        assert_problem(response, 404)
    assert client_for(insider).get(communication_url(communication)).status_code == 200
    assert client_for(manager).get(communication_url(communication)).status_code == 200


def test_participants_and_managers_work_on_a_confidential_incident(client_for, secret, manager):
    incident, insider = secret
    response = client_for(insider).post(incident_url(incident), DRAFT, format="json")
    assert response.status_code == 201
    assert response.json()["needs_approval"] is True  # confidential
    listed = client_for(insider).get(incident_url(incident)).json()["results"]
    assert [c["id"] for c in listed] == [response.json()["id"]]
    approve = client_for(manager).post(
        f"/api/v1/communications/{response.json()['id']}/approve/", {}, format="json"
    )
    assert approve.status_code == 200
