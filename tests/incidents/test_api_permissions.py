"""Who may do what through the incident API: authentication, the matrix of role by operation,
`available_transitions` by role, and the order in which errors are reported."""

import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from crisis_api.auth.tokens import api_token_issue, api_token_revoke
from crisis_api.models import ApiToken, Event
from incidents.models import Incident
from tests.conftest import LIFECYCLE, PATHS, TRANSITION_INPUT, allowed_from

PROBLEM = "application/problem+json"
WWW_AUTHENTICATE = 'Bearer realm="api"'


def assert_problem(response, status: int) -> dict:
    """The response is an RFC 9457 problem with this status; return its body."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith(PROBLEM)
    body = response.json()
    assert body["status"] == status
    assert body["type"].startswith("urn:crisis-api:problem:")
    assert body["detail"]
    assert body["title"]
    return body


def url(name: str, incident=None) -> str:
    if incident is None:
        return reverse(f"incident-{name}")
    return reverse(f"incident-{name}", kwargs={"pk": incident.pk})


# --- The matrix: role by operation ----------------------------------------------------------

READ, WRITE, REVIEW = "read", "write", "review"

# name -> (method, url name, status the incident must have (None: no incident), body,
#          status code on success, status after success (transitions), kind)
OPERATIONS = {
    "list": ("get", "list", None, None, 200, None, READ),
    "retrieve": ("get", "detail", "detected", None, 200, None, READ),
    "timeline": ("get", "timeline", "detected", None, 200, None, READ),
    "verify": ("get", "verify", "detected", None, 200, None, READ),
    "create": ("post", "list", None, {"title": "Leaked price list"}, 201, None, WRITE),
    "patch": ("patch", "detail", "detected", {"title": "Renamed"}, 200, None, WRITE),
    "notes": ("post", "notes", "detected", {"note": "Press asked for a statement."}, 201, None,
              WRITE),
    "assess": ("post", "assess", "detected", TRANSITION_INPUT["assess"], 200, "assessed", WRITE),
    "respond": ("post", "respond", "assessed", TRANSITION_INPUT["respond"], 200, "responding",
                WRITE),
    "resolve": ("post", "resolve", "responding", TRANSITION_INPUT["resolve"], 200, "resolved",
                WRITE),
    "dismiss": ("post", "dismiss", "detected", TRANSITION_INPUT["dismiss"], 200, "resolved",
                WRITE),
    "dismiss_assessed": ("post", "dismiss", "assessed", TRANSITION_INPUT["dismiss"], 200,
                         "resolved", WRITE),
    "reopen": ("post", "reopen", "resolved", TRANSITION_INPUT["reopen"], 200, "responding",
               WRITE),
    "review": ("post", "review", "resolved", TRANSITION_INPUT["review"], 200, "reviewed", REVIEW),
}  # fmt: skip

# What each role may do, by kind of operation.
ALLOWED = {
    None: set(),
    "viewer": {READ},
    "responder": {READ, WRITE},
    "manager": {READ, WRITE, REVIEW},
}

MATRIX = [
    pytest.param(role, op, id=f"{role or 'norole'}-{op}") for role in ALLOWED for op in OPERATIONS
]


@pytest.mark.parametrize(("role", "operation"), MATRIX)
def test_role_operation_matrix(role, operation, make_user, make_incident, client_for):
    method, name, status, body, success, target, kind = OPERATIONS[operation]
    incident = make_incident(status) if status else None
    user = make_user(role)
    client = client_for(user)  # issuing the token logs an event: do it before counting
    events_before = Event.objects.count()
    incidents_before = Incident.objects.count()

    kwargs = {"format": "json"} if body is not None else {}
    response = getattr(client, method)(url(name, incident), body, **kwargs)

    if kind in ALLOWED[role]:
        assert response.status_code == success, response.content
        assert not response["Content-Type"].startswith(PROBLEM)
        data = response.json()
        if operation == "list":
            assert incident is None and "results" in data
        elif operation == "create":
            assert data["status"] == "detected"
            assert data["created_by"] == user.username
        elif operation == "notes":
            assert data["action"] == "incident.note_added"
            assert data["actor"] == user.username
        elif operation == "verify":
            assert data["valid"] is True
        elif operation == "timeline":
            assert data["results"][0]["action"] == "incident.created"
        elif operation == "patch":
            assert data["title"] == "Renamed"
            assert data["version"] == incident.version + 1
        elif target:
            assert data["status"] == target
            assert data["version"] == incident.version + 1
            assert response["ETag"] == f'"{incident.version + 1}"'
        if method == "get":
            assert Event.objects.count() == events_before
    else:
        problem = assert_problem(response, 403)
        assert problem["type"] == "urn:crisis-api:problem:permission-denied"
        # A refusal changes nothing: no event, no new incident, no new version.
        assert Event.objects.count() == events_before
        assert Incident.objects.count() == incidents_before
        if incident is not None:
            current = Incident.objects.get(pk=incident.pk)
            assert (current.status, current.version) == (incident.status, incident.version)


def test_no_role_detail_explains_how_to_get_one(make_user, client_for):
    response = client_for(make_user(None)).get(url("list"))
    assert "no role" in assert_problem(response, 403)["detail"]


def test_viewer_refused_transition_names_the_permission(viewer, make_incident, client_for):
    incident = make_incident("detected")
    response = client_for(viewer).post(url("assess", incident), TRANSITION_INPUT["assess"],
                                       format="json")  # fmt: skip
    assert "incidents.assess_incident" in assert_problem(response, 403)["detail"]


def test_responder_refused_review_names_the_permission(responder, make_incident, client_for):
    incident = make_incident("resolved")
    response = client_for(responder).post(
        url("review", incident), TRANSITION_INPUT["review"], format="json"
    )
    assert "incidents.review_incident" in assert_problem(response, 403)["detail"]


# --- Authentication ------------------------------------------------------------------------

ENDPOINTS = [
    pytest.param("get", "list", False, id="list"),
    pytest.param("post", "list", False, id="create"),
    pytest.param("get", "detail", True, id="retrieve"),
    pytest.param("patch", "detail", True, id="patch"),
    pytest.param("post", "assess", True, id="assess"),
    pytest.param("get", "timeline", True, id="timeline"),
    pytest.param("get", "verify", True, id="verify"),
    pytest.param("post", "notes", True, id="notes"),
]


def assert_unauthorized(response) -> dict:
    body = assert_problem(response, 401)
    assert response["WWW-Authenticate"] == WWW_AUTHENTICATE
    return body


@pytest.mark.parametrize(("method", "name", "detail"), ENDPOINTS)
def test_unauthenticated_is_401_with_bearer_challenge(method, name, detail, make_incident):
    incident = make_incident("detected") if detail else None
    response = getattr(APIClient(), method)(url(name, incident), {}, format="json")
    body = assert_unauthorized(response)
    assert body["type"] == "urn:crisis-api:problem:not-authenticated"


def test_unauthenticated_on_unknown_incident_is_401_not_404(db):
    response = APIClient().post(
        reverse("incident-assess", kwargs={"pk": uuid.uuid4()}), {}, format="json"
    )
    assert_unauthorized(response)


def _bearer(secret: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def test_valid_token_authenticates(viewer, db):
    _, secret = api_token_issue(user=viewer)
    assert _bearer(secret).get(url("list")).status_code == 200


def test_revoked_token_is_401(viewer, db):
    token, secret = api_token_issue(user=viewer)
    api_token_revoke(token=token)
    body = assert_unauthorized(_bearer(secret).get(url("list")))
    assert body["type"] == "urn:crisis-api:problem:authentication-failed"


def test_expired_token_is_401(viewer, db):
    token, secret = api_token_issue(user=viewer)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    body = assert_unauthorized(_bearer(secret).get(url("list")))
    assert body["type"] == "urn:crisis-api:problem:authentication-failed"


def test_token_of_deactivated_user_is_401(viewer, db):
    _, secret = api_token_issue(user=viewer)
    viewer.is_active = False
    viewer.save(update_fields=["is_active"])
    body = assert_unauthorized(_bearer(secret).get(url("list")))
    assert body["type"] == "urn:crisis-api:problem:authentication-failed"


def test_unknown_token_is_401(db):
    assert_unauthorized(_bearer("crisis_not-a-real-token").get(url("list")))


@pytest.mark.parametrize(
    "header",
    [
        pytest.param("Bearer", id="no-token"),
        pytest.param("Bearer ", id="empty-token"),
        pytest.param("Bearer {secret} {secret}", id="two-tokens"),
        pytest.param("Bearer {secret} extra", id="trailing-garbage"),
        pytest.param("Bearer{secret}", id="no-space"),
        pytest.param("Token {secret}", id="other-scheme"),
        pytest.param("Basic dXNlcjpwYXNz", id="basic"),
        pytest.param("{secret}", id="no-scheme"),
    ],
)
def test_malformed_authorization_header_is_401(header, viewer, db):
    # The token is valid; only the way it is sent is wrong.
    _, secret = api_token_issue(user=viewer)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header.format(secret=secret))
    assert_unauthorized(client.get(url("list")))


# --- available_transitions by role --------------------------------------------------------


# The transitions each role may run (DESIGN.md: responders all but review, viewers none);
# what a caller is offered is that, within what the lifecycle oracle allows from the status.
ROLE_TRANSITIONS = {
    "viewer": set(),
    "responder": {name for name, _ in LIFECYCLE} - {"review"},
    "manager": {name for name, _ in LIFECYCLE},
}


@pytest.mark.parametrize("status", list(PATHS))
@pytest.mark.parametrize("role", list(ROLE_TRANSITIONS))
def test_available_transitions_depend_on_role(role, status, make_user, make_incident, client_for):
    expected = allowed_from(status) & ROLE_TRANSITIONS[role]
    incident = make_incident(status)
    response = client_for(make_user(role)).get(url("detail", incident))
    assert response.status_code == 200
    transitions = response.json()["available_transitions"]
    assert len(transitions) == len(set(transitions))
    assert set(transitions) == expected


def test_available_transitions_in_list_depend_on_role(
    viewer, responder, manager, make_incident, client_for
):
    make_incident("resolved")
    for user, expected in ((viewer, []), (responder, ["reopen"]), (manager, ["reopen", "review"])):
        (item,) = client_for(user).get(url("list")).json()["results"]
        assert sorted(item["available_transitions"]) == expected, user.username


# --- Error order: 401, 404, 403, 412, 409, 400 ---------------------------------------------

BAD_INPUT = {"resolution_summary": "", "bogus": 1}  # resolve with invalid input


def test_unknown_incident_transition_as_viewer_is_404_not_403(viewer, client_for):
    response = client_for(viewer).post(
        reverse("incident-resolve", kwargs={"pk": uuid.uuid4()}),
        BAD_INPUT,
        format="json",
        HTTP_IF_MATCH='"99"',
    )
    body = assert_problem(response, 404)
    assert body["type"] == "urn:crisis-api:problem:not-found"


@pytest.mark.parametrize("name", list(TRANSITION_INPUT))
def test_unknown_incident_any_transition_as_viewer_is_404(name, viewer, client_for):
    response = client_for(viewer).post(
        reverse(f"incident-{name}", kwargs={"pk": uuid.uuid4()}), {}, format="json"
    )
    assert_problem(response, 404)


def test_unknown_incident_patch_and_notes_as_viewer_are_404(viewer, client_for):
    client = client_for(viewer)
    pk = uuid.uuid4()
    assert_problem(
        client.patch(reverse("incident-detail", kwargs={"pk": pk}), {"x": 1}, format="json"), 404
    )
    assert_problem(
        client.post(reverse("incident-notes", kwargs={"pk": pk}), {}, format="json"), 404
    )


def test_viewer_on_visible_incident_is_403_before_412_409_400(viewer, make_incident, client_for):
    incident = make_incident("detected")  # resolve is not allowed from detected
    response = client_for(viewer).post(
        url("resolve", incident), BAD_INPUT, format="json", HTTP_IF_MATCH='"99"'
    )
    assert_problem(response, 403)


def test_responder_stale_if_match_is_412_before_409_400(responder, make_incident, client_for):
    incident = make_incident("detected")
    response = client_for(responder).post(
        url("resolve", incident), BAD_INPUT, format="json", HTTP_IF_MATCH='"99"'
    )
    body = assert_problem(response, 412)
    assert body["type"] == "urn:crisis-api:problem:precondition-failed"
    assert body["current_version"] == incident.version


def test_responder_wrong_state_is_409_before_400(responder, make_incident, client_for):
    incident = make_incident("detected")
    response = client_for(responder).post(
        url("resolve", incident),
        BAD_INPUT,
        format="json",
        HTTP_IF_MATCH=f'"{incident.version}"',
    )
    body = assert_problem(response, 409)
    assert body["type"] == "urn:crisis-api:problem:transition-not-allowed"
    assert body["current_status"] == "detected"
    assert sorted(body["allowed_transitions"]) == ["assess", "dismiss"]


def test_responder_right_state_bad_input_is_400(responder, make_incident, client_for):
    incident = make_incident("responding")
    response = client_for(responder).post(
        url("resolve", incident),
        BAD_INPUT,
        format="json",
        HTTP_IF_MATCH=f'"{incident.version}"',
    )
    body = assert_problem(response, 400)
    assert body["type"] == "urn:crisis-api:problem:invalid"
    assert set(body["errors"]) == {"resolution_summary", "bogus"}
    current = Incident.objects.get(pk=incident.pk)
    assert (current.status, current.version) == ("responding", incident.version)


def test_responder_right_state_right_input_with_version_is_200(
    responder, make_incident, client_for
):
    incident = make_incident("responding")
    response = client_for(responder).post(
        url("resolve", incident),
        TRANSITION_INPUT["resolve"],
        format="json",
        HTTP_IF_MATCH=f'"{incident.version}"',
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "resolved"


def test_responder_review_wrong_state_stale_version_is_403(responder, make_incident, client_for):
    incident = make_incident("detected")  # review needs resolved, and the manager role
    response = client_for(responder).post(
        url("review", incident), {}, format="json", HTTP_IF_MATCH='"99"'
    )
    assert_problem(response, 403)
