"""Confidential incidents exist only for their creator, owner, participants and managers."""

import pytest
from django.urls import reverse

from crisis_api.models import Event
from incidents.models import Incident
from tests.conftest import PATHS, TRANSITION_INPUT, runs_from

PROBLEM = "application/problem+json"
TITLE = "Customer database leaked on a forum"

# Each transition, from a status where the state machine allows it: a leak of visibility
# would then show as a 200 (or a 403), never as a 409 that could hide it.
TRANSITION_FROM = {name: runs_from(name) for name in TRANSITION_INPUT}


def url(name: str, incident=None) -> str:
    kwargs = {"pk": incident.pk} if incident is not None else {}
    return reverse(f"incident-{name}", kwargs=kwargs)


def listed_ids(client, **params) -> set[str]:
    response = client.get(url("list"), params)
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["results"]}


def assert_not_found(response) -> None:
    assert response.status_code == 404, response.content
    assert response["Content-Type"].startswith(PROBLEM)
    body = response.json()
    assert body["status"] == 404
    assert body["type"] == "urn:crisis-api:problem:not-found"
    assert body["detail"]


@pytest.fixture(params=["manager", "responder"])
def creator(request, make_user):
    """Whoever records the confidential incident: a manager or a responder."""
    return make_user(request.param)


@pytest.fixture
def people(make_user):
    """The incident's owner and participants, and outsiders of each role."""
    return {
        "owner": make_user("responder"),
        "viewer_participant": make_user("viewer"),
        "responder_participant": make_user("responder"),
        "other_manager": make_user("manager"),
        "other_responder": make_user("responder"),
        "other_viewer": make_user("viewer"),
    }


@pytest.fixture
def make_confidential(make_incident, creator, people):
    """make_confidential(status="detected") -> a confidential incident with its people."""

    def make(status: str = "detected"):
        return make_incident(
            status,
            actor=creator,
            title=TITLE,
            category="data_leak",
            is_confidential=True,
            owner=people["owner"],
            participants=[people["viewer_participant"], people["responder_participant"]],
        )

    return make


def _user(who: str, creator, people):
    return creator if who == "creator" else people[who]


# --- Who sees it ---------------------------------------------------------------------------

INSIDERS = ["creator", "owner", "viewer_participant", "responder_participant", "other_manager"]
OUTSIDERS = ["other_responder", "other_viewer"]


@pytest.mark.parametrize("who", INSIDERS)
def test_insiders_see_the_confidential_incident(
    who, make_confidential, creator, people, client_for
):
    incident = make_confidential()
    client = client_for(_user(who, creator, people))

    response = client.get(url("detail", incident))
    assert response.status_code == 200, response.content
    assert response.json()["is_confidential"] is True
    assert response["ETag"] == f'"{incident.version}"'
    assert client.get(url("timeline", incident)).status_code == 200
    verify = client.get(url("verify", incident))
    assert verify.status_code == 200
    assert verify.json()["valid"] is True

    assert str(incident.pk) in listed_ids(client)
    assert str(incident.pk) in listed_ids(client, confidential="true")
    assert str(incident.pk) in listed_ids(client, q="leaked")
    assert str(incident.pk) not in listed_ids(client, confidential="false")


@pytest.mark.parametrize("who", OUTSIDERS)
def test_outsiders_get_404_on_every_read(who, make_confidential, creator, people, client_for):
    incident = make_confidential()
    client = client_for(_user(who, creator, people))
    assert_not_found(client.get(url("detail", incident)))
    assert_not_found(client.get(url("timeline", incident)))
    assert_not_found(client.get(url("verify", incident)))


@pytest.mark.parametrize("who", OUTSIDERS)
def test_outsiders_get_404_on_patch_and_notes(who, make_confidential, creator, people, client_for):
    incident = make_confidential()
    client = client_for(_user(who, creator, people))
    events_before = Event.objects.count()

    assert_not_found(client.patch(url("detail", incident), {"title": "x"}, format="json"))
    assert_not_found(
        client.patch(url("detail", incident), {"is_confidential": False}, format="json")
    )
    assert_not_found(client.post(url("notes", incident), {"note": "hello"}, format="json"))

    assert Event.objects.count() == events_before
    current = Incident.objects.get(pk=incident.pk)
    assert (current.title, current.is_confidential, current.version) == (
        TITLE,
        True,
        incident.version,
    )


@pytest.mark.parametrize("name", list(TRANSITION_FROM))
@pytest.mark.parametrize("who", OUTSIDERS)
def test_outsiders_get_404_on_every_transition(
    who, name, make_confidential, creator, people, client_for
):
    # The viewer lacks every transition permission and the responder lacks `review`:
    # still 404, never 403, which would betray that the incident exists.
    incident = make_confidential(TRANSITION_FROM[name])
    client = client_for(_user(who, creator, people))
    events_before = Event.objects.count()

    response = client.post(url(name, incident), TRANSITION_INPUT[name], format="json")
    assert_not_found(response)
    # With a stale version and no input too: nothing about the incident leaks.
    response = client.post(url(name, incident), {}, format="json", HTTP_IF_MATCH='"99"')
    assert_not_found(response)

    assert Event.objects.count() == events_before
    current = Incident.objects.get(pk=incident.pk)
    assert (current.status, current.version) == (incident.status, incident.version)


@pytest.mark.parametrize("who", OUTSIDERS)
@pytest.mark.parametrize(
    "params",
    [
        pytest.param({}, id="no-filter"),
        pytest.param({"confidential": "true"}, id="confidential"),
        pytest.param({"q": "leaked"}, id="text"),
        pytest.param({"q": TITLE}, id="exact-title"),
        pytest.param({"category": "data_leak"}, id="category"),
        pytest.param({"status": "detected"}, id="status"),
        pytest.param({"ordering": "created_at"}, id="ordering"),
    ],
)
def test_outsiders_never_find_it_in_the_list(
    who, params, make_confidential, make_incident, creator, people, client_for
):
    incident = make_confidential()
    public = make_incident(title=f"{TITLE} (public follow-up)", category="data_leak")
    client = client_for(_user(who, creator, people))
    ids = listed_ids(client, **params)
    assert str(incident.pk) not in ids
    if params.get("confidential") != "true":
        assert str(public.pk) in ids  # the list itself works for them


def test_outsider_list_with_confidential_filter_is_empty(
    make_confidential, creator, people, client_for
):
    make_confidential()
    client = client_for(people["other_responder"])
    response = client.get(url("list"), {"confidential": "true"})
    assert response.status_code == 200
    assert response.json()["results"] == []


@pytest.mark.parametrize("status", list(PATHS))
def test_insiders_see_it_in_every_status(status, make_confidential, people, client_for):
    incident = make_confidential(status)
    client = client_for(people["viewer_participant"])
    assert client.get(url("detail", incident)).json()["status"] == status
    assert str(incident.pk) in listed_ids(client, status=status)
    outsider = client_for(people["other_responder"])
    assert_not_found(outsider.get(url("detail", incident)))
    assert str(incident.pk) not in listed_ids(outsider, status=status)


# --- Insiders may still act by their role -------------------------------------------------


def test_responder_participant_can_run_transitions(make_confidential, people, client_for):
    incident = make_confidential("detected")
    client = client_for(people["responder_participant"])
    response = client.post(url("assess", incident), TRANSITION_INPUT["assess"], format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "assessed"


def test_viewer_participant_sees_it_but_cannot_change_it(make_confidential, people, client_for):
    incident = make_confidential("detected")
    client = client_for(people["viewer_participant"])
    assert client.get(url("detail", incident)).json()["available_transitions"] == []
    for response in (
        client.post(url("assess", incident), TRANSITION_INPUT["assess"], format="json"),
        client.patch(url("detail", incident), {"title": "x"}, format="json"),
        client.post(url("notes", incident), {"note": "x"}, format="json"),
    ):
        assert response.status_code == 403, response.content
        assert response["Content-Type"].startswith(PROBLEM)


# --- Confidential incidents created through the API ----------------------------------------


def test_confidential_incident_created_by_a_responder_through_the_api(make_user, client_for):
    author, other_responder, other_viewer, manager = (
        make_user("responder"),
        make_user("responder"),
        make_user("viewer"),
        make_user("manager"),
    )
    response = client_for(author).post(
        url("list"), {"title": TITLE, "is_confidential": True}, format="json"
    )
    assert response.status_code == 201, response.content
    incident = Incident.objects.get(pk=response.json()["id"])
    assert incident.is_confidential

    for user in (author, manager):
        assert client_for(user).get(url("detail", incident)).status_code == 200
        assert str(incident.pk) in listed_ids(client_for(user))
    for user in (other_responder, other_viewer):
        assert_not_found(client_for(user).get(url("detail", incident)))
        assert str(incident.pk) not in listed_ids(client_for(user), confidential="true")


def test_dismissing_as_duplicate_of_an_invisible_incident_looks_like_an_unknown_id(
    make_confidential, make_incident, people, client_for
):
    hidden = make_confidential()
    incident = make_incident("detected")
    client = client_for(people["other_responder"])
    response = client.post(
        url("dismiss", incident),
        {"reason": "Duplicate.", "duplicate_of": str(hidden.pk)},
        format="json",
    )
    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    assert errors == {"duplicate_of": [f"No incident {hidden.pk} that you can see."]}


# --- Non-confidential incidents ------------------------------------------------------------


@pytest.mark.parametrize("role", ["viewer", "responder", "manager"])
def test_non_confidential_incidents_are_visible_to_every_role(
    role, make_user, make_incident, client_for
):
    incident = make_incident("assessed")
    client = client_for(make_user(role))
    response = client.get(url("detail", incident))
    assert response.status_code == 200
    assert response.json()["is_confidential"] is False
    assert client.get(url("timeline", incident)).status_code == 200
    assert client.get(url("verify", incident)).status_code == 200
    assert str(incident.pk) in listed_ids(client)
    assert str(incident.pk) in listed_ids(client, confidential="false")
    assert str(incident.pk) not in listed_ids(client, confidential="true")


# --- A write that takes the incident out of the caller's sight -----------------------------


def _hide_by_patching_confidential(make_user, make_incident):
    actor = make_user("responder")  # neither creator, owner nor participant
    incident = make_incident("detected")
    return actor, incident, "detail", "patch", {"is_confidential": True}


def _hide_by_patching_owner(make_user, make_incident):
    actor = make_user("responder")  # sees it only as its owner
    incident = make_incident("detected", is_confidential=True, owner=actor)
    other = make_user("responder")
    return actor, incident, "detail", "patch", {"owner": other.username}


def _hide_by_responding_for_someone_else(make_user, make_incident):
    actor = make_user("responder")
    incident = make_incident("assessed", is_confidential=True, owner=actor)
    other = make_user("responder")
    return actor, incident, "respond", "post", {"owner": other.username}


@pytest.mark.parametrize(
    "scenario",
    [
        pytest.param(_hide_by_patching_confidential, id="patch-is_confidential"),
        pytest.param(_hide_by_patching_owner, id="patch-owner"),
        pytest.param(_hide_by_responding_for_someone_else, id="respond-owner"),
    ],
)
def test_write_that_hides_the_incident_from_its_caller_is_not_answered_404_after_commit(
    scenario, make_user, make_incident, client_for
):
    # A client told 404 believes nothing happened (and may retry); the answer must match
    # the outcome: either the write is refused and nothing changes, or it succeeds (2xx).
    actor, incident, name, method, body = scenario(make_user, make_incident)
    events_before = Event.objects.filter(stream=incident.stream).count()

    response = getattr(client_for(actor), method)(url(name, incident), body, format="json")

    changed = Incident.objects.get(pk=incident.pk).version != incident.version
    events_after = Event.objects.filter(stream=incident.stream).count()
    assert changed == (events_after > events_before)
    if changed:
        assert response.status_code == 200, (
            f"the change was committed (version {incident.version} -> "
            f"{Incident.objects.get(pk=incident.pk).version}) but the caller got "
            f"{response.status_code}: {response.content!r}"
        )
    else:
        assert response.status_code in (400, 403), response.content
