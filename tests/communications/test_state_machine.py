"""The communication state machine from every status, the approval rule by severity and
confidentiality, and If-Match on transitions."""

import pytest

from crisis_api.lifecycle.errors import TransitionNotAllowed
from incidents import services as incident_services
from incidents.communications import services
from incidents.communications.models import Communication
from tests.communications.conftest import PATHS, TRANSITION_INPUT, communication_url
from tests.incidents.test_api_permissions import assert_problem

# The oracle, written from the issue (not from the code): draft → approved → published;
# draft or approved → withdrawn; published → withdrawn. Publishing straight from a draft is for
# incidents that need no approval (see the approval tests).
MACHINE = {
    ("approve", "draft"): "approved",
    ("publish", "approved"): "published",
    ("withdraw", "draft"): "withdrawn",
    ("withdraw", "approved"): "withdrawn",
    ("withdraw", "published"): "withdrawn",
}
STATES = ["draft", "approved", "published", "withdrawn"]
NAMES = ["approve", "publish", "withdraw"]
APPROVAL_REQUIRED = (
    "A manager must approve it first: its incident is high or critical, or confidential. Ask a "
    "manager to approve it, then publish it."
)


def allowed_from(state: str) -> list[str]:
    return [name for name in NAMES if (name, state) in MACHINE]


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("name", NAMES)
def test_every_transition_from_every_status(client_for, manager, make_communication, state,
                                            name):  # fmt: skip
    communication = make_communication(state)  # a high incident: approval required
    response = client_for(manager).post(
        f"{communication_url(communication)}{name}/", TRANSITION_INPUT[name], format="json"
    )
    target = MACHINE.get((name, state))
    if target is not None:
        assert response.status_code == 200, response.json()
        assert response.json()["status"] == target
        assert response.json()["version"] == communication.version + 1
        assert Communication.objects.get(pk=communication.pk).status == target
        return
    problem = assert_problem(response, 409)
    assert problem["current_status"] == state
    assert problem["allowed_transitions"] == allowed_from(state)
    detail = (
        f"Transition '{name}' is not allowed from '{state}'; allowed: "
        f"{', '.join(allowed_from(state)) or 'none'}."
    )
    if (name, state) == ("publish", "draft"):
        detail += " " + APPROVAL_REQUIRED
    assert problem["detail"] == detail
    assert Communication.objects.get(pk=communication.pk).version == communication.version


@pytest.mark.parametrize(
    ("severity", "confidential", "needs_approval"),
    [
        ("low", False, False),
        ("medium", False, False),
        ("high", False, True),
        ("critical", False, True),
        ("low", True, True),
        ("medium", True, True),
        (None, False, False),  # not assessed yet
        (None, True, True),
    ],
)
def test_approval_rule_by_severity_and_confidentiality(
    client_for, responder, make_rated, make_incident, make_communication, severity,
    confidential, needs_approval,
):  # fmt: skip
    if severity is None:
        incident = make_incident("detected", actor=responder, is_confidential=confidential)
    else:
        incident = make_rated(severity, is_confidential=confidential, participants=[responder])
    communication = make_communication(incident=incident, actor=responder)
    api = client_for(responder)
    body = api.get(communication_url(communication)).json()
    assert body["needs_approval"] is needs_approval
    assert body["available_transitions"] == (["withdraw"] if needs_approval
                                             else ["publish", "withdraw"])  # fmt: skip
    response = api.post(f"{communication_url(communication)}publish/", {}, format="json")
    if needs_approval:
        problem = assert_problem(response, 409)
        assert problem["allowed_transitions"] == ["approve", "withdraw"]
        assert problem["detail"].endswith(APPROVAL_REQUIRED)
    else:
        assert response.status_code == 200 and response.json()["status"] == "published"


def test_approved_communications_are_published_by_responders(client_for, responder,
                                                             make_communication):  # fmt: skip
    communication = make_communication("approved")
    response = client_for(responder).post(
        f"{communication_url(communication)}publish/", {}, format="json"
    )
    assert response.status_code == 200 and response.json()["published_by"] == responder.username


def test_the_service_checks_the_rule_again_under_the_lock(make_rated, make_communication,
                                                          manager):  # fmt: skip
    incident = make_rated("low")
    communication = make_communication(incident=incident)
    # The incident is re-rated after the caller looked at the draft.
    incident_services.incident_update(incident_id=incident.pk, actor=manager, severity="critical")
    with pytest.raises(TransitionNotAllowed) as refused:
        services.communication_publish(communication_id=communication.pk, actor=manager)
    assert refused.value.detail.endswith(APPROVAL_REQUIRED)
    assert Communication.objects.get(pk=communication.pk).status == "draft"


def test_a_stale_if_match_on_a_transition_is_412_and_the_current_one_works(
    client_for, manager, make_communication
):
    communication = make_communication()
    api = client_for(manager)
    url = f"{communication_url(communication)}approve/"
    stale = api.post(url, {}, format="json", HTTP_IF_MATCH='"9"')
    assert assert_problem(stale, 412)["current_version"] == 1
    response = api.post(url, {}, format="json", HTTP_IF_MATCH='"1"')
    assert response.status_code == 200 and response["ETag"] == '"2"'


def test_errors_come_in_the_contracts_order(client_for, responder, manager, make_communication):
    """404, 403, 412, 409, 400."""
    communication = make_communication("withdrawn")
    url = f"{communication_url(communication)}withdraw/"
    responder_api, manager_api = client_for(responder), client_for(manager)
    missing = "/api/v1/communications/00000000-0000-0000-0000-000000000000/approve/"
    assert_problem(responder_api.post(missing, {}, format="json"), 404)
    assert_problem(
        responder_api.post(f"{communication_url(communication)}approve/", {}, format="json",
                           HTTP_IF_MATCH='"9"'),
        403,
    )  # fmt: skip
    assert_problem(manager_api.post(url, {"reason": 5}, format="json", HTTP_IF_MATCH='"9"'), 412)
    assert_problem(manager_api.post(url, {"reason": 5}, format="json"), 409)
    draft = make_communication()
    problem = assert_problem(
        manager_api.post(f"{communication_url(draft)}withdraw/", {"reason": 5}, format="json"), 400
    )
    assert problem["errors"] == {"reason": ["Give a string."]}
    assert_problem(
        manager_api.post(f"{communication_url(draft)}approve/", {"note": "x"}, format="json"), 400
    )


def test_paths_reach_every_state(make_communication):
    for state in PATHS:
        assert make_communication(state).status == state


def test_in_french_approval_is_asked_of_a_manager_not_of_the_owner(
    client_for, responder, make_rated, make_communication
):
    # In this French catalogue "responsable" is an incident's owner (owner, Owner); the manager
    # role is "manager". Saying "un responsable doit l'approuver" sent people to the owner, who
    # may not approve.
    incident = make_rated("high", participants=[responder])
    communication = make_communication(incident=incident, actor=responder)
    api = client_for(responder)

    refused = api.post(
        f"{communication_url(communication)}publish/", {}, format="json",
        HTTP_ACCEPT_LANGUAGE="fr",
    )  # fmt: skip
    templates = api.post("/api/v1/templates/", {}, format="json", HTTP_ACCEPT_LANGUAGE="fr")

    detail = assert_problem(refused, 409)["detail"]
    assert detail.endswith(
        "Un manager doit d'abord l'approuver : son incident est élevé ou critique, ou "
        "confidentiel. Demandez à un manager de l'approuver, puis publiez-la."
    )
    assert assert_problem(templates, 403)["detail"] == (
        "Votre rôle ne le permet pas ; les modèles sont gérés par les managers."
    )
