"""Rules of the lifecycle beyond the state machine: reopening, closed incidents, who may widen
who sees a confidential incident, hidden originals, notes and the event log's values."""

from datetime import timedelta

import pytest
from django.urls import reverse

from crisis_api.models import Event
from incidents import services
from incidents.models import Incident

PROBLEM = "application/problem+json"


def url(name: str, incident) -> str:
    return reverse(f"incident-{name}", kwargs={"pk": incident.pk})


def events_of(incident) -> list[Event]:
    return list(Event.objects.filter(stream=incident.stream).order_by("sequence"))


# --- Reopening an incident that was dismissed before any assessment -------------------------


def test_reopen_of_a_never_assessed_incident_requires_a_severity(
    make_incident, responder, client_for
):
    incident = make_incident("detected", dismissed=True)
    before = len(events_of(incident))

    response = client_for(responder).post(
        url("reopen", incident), {"reason": "Back."}, format="json"
    )

    assert response.status_code == 400, response.content
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["type"] == "urn:crisis-api:problem:invalid"
    assert "dismissed before it was assessed" in body["errors"]["severity"][0]
    assert Incident.objects.get(pk=incident.pk).status == "resolved"
    assert len(events_of(incident)) == before


def test_reopen_with_a_severity_assesses_it_and_starts_the_clock(
    make_incident, responder, client_for
):
    incident = make_incident("detected", dismissed=True)

    response = client_for(responder).post(
        url("reopen", incident),
        {"reason": "A new video.", "severity": "critical", "scope": "spreading"},
        format="json",
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "responding"
    assert body["severity"] == "critical" and body["scope"] == "spreading"
    assert body["assessed_at"] is not None and body["response_due_at"] is not None
    assert body["resolution"] is None and body["duplicate_of"] is None
    event = events_of(incident)[-1]
    assert event.action == "incident.reopened"
    assert event.changes["severity"] == {"from": None, "to": "critical"}
    assert event.note == "A new video."


def test_reopen_of_an_assessed_incident_refuses_assessment_fields(
    make_incident, responder, client_for
):
    incident = make_incident("resolved")

    response = client_for(responder).post(
        url("reopen", incident), {"reason": "Back.", "severity": "low"}, format="json"
    )

    assert response.status_code == 400, response.content
    assert response.json()["errors"] == {
        "severity": ["Already assessed: change it with PATCH after reopening."]
    }
    assert Incident.objects.get(pk=incident.pk).severity == "high"


def test_an_incident_cannot_be_detected_after_it_was_assessed(make_incident, responder, client_for):
    incident = make_incident("assessed")
    later = incident.assessed_at + timedelta(minutes=1)

    response = client_for(responder).patch(
        url("detail", incident), {"detected_at": later.isoformat()}, format="json"
    )

    assert response.status_code == 400, response.content
    assert "cannot have been detected later" in response.json()["errors"]["detected_at"][0]
    assert Incident.objects.get(pk=incident.pk).version == incident.version


# --- A reviewed incident is closed ----------------------------------------------------------


@pytest.mark.parametrize(
    "payload",
    [
        {"severity": "low"},
        {"title": "New"},
        {"title": "New", "participants": []},
        {"title": 123},  # closed comes before invalid (412, 409, then 400)
    ],
)
def test_reviewed_incident_refuses_changes_but_who_sees_it(
    payload, make_incident, manager, client_for
):
    incident = make_incident("reviewed", actor=manager)

    response = client_for(manager).patch(url("detail", incident), payload, format="json")

    assert response.status_code == 409, response.content
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["type"] == "urn:crisis-api:problem:not-editable"
    assert body["current_status"] == "reviewed"
    assert body["editable_fields"] == ["participants", "is_confidential"]
    assert "cannot change while the status is 'reviewed'" in body["detail"]
    assert Incident.objects.get(pk=incident.pk).version == incident.version


def test_reviewed_incident_still_takes_participants_and_confidentiality(
    make_incident, manager, viewer, client_for
):
    incident = make_incident("reviewed", actor=manager)

    response = client_for(manager).patch(
        url("detail", incident),
        {"participants": [viewer.username], "is_confidential": True},
        format="json",
    )

    assert response.status_code == 200, response.content
    assert response.json()["participants"] == [viewer.username]
    assert response.json()["is_confidential"] is True


# --- Who may widen who sees a confidential incident -----------------------------------------


@pytest.fixture
def confidential(make_user, make_incident):
    """A confidential incident with its owner, a responder participant and an outsider."""
    owner, participant, outsider = (make_user("responder") for _ in range(3))
    incident = make_incident(
        "assessed",
        actor=owner,
        is_confidential=True,
        owner=owner,
        participants=[participant],
        category="data_leak",
    )
    return {"incident": incident, "owner": owner, "participant": participant, "other": outsider}


@pytest.mark.parametrize(
    ("make_payload", "message"),
    [
        (lambda c: {"is_confidential": False}, "make a confidential incident public"),
        (
            lambda c: {"participants": [c["participant"].username, c["other"].username]},
            "show a confidential incident to more people",
        ),
        (lambda c: {"owner": c["other"].username}, "hand a confidential incident to"),
        (lambda c: {"owner": c["participant"].username}, "hand a confidential incident to"),
    ],
    ids=["make-public", "add-participant", "hand-to-outsider", "take-it-over"],
)
def test_a_participant_cannot_widen_visibility(make_payload, message, confidential, client_for):
    incident = confidential["incident"]

    response = client_for(confidential["participant"]).patch(
        url("detail", incident), make_payload(confidential), format="json"
    )

    assert response.status_code == 403, response.content
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["type"] == "urn:crisis-api:problem:permission-denied"
    assert message in body["detail"] and "owner or a manager" in body["detail"]
    assert Incident.objects.get(pk=incident.pk).version == incident.version


def test_a_participant_cannot_respond_for_an_outsider(confidential, client_for):
    incident = confidential["incident"]

    response = client_for(confidential["participant"]).post(
        url("respond", incident), {"owner": confidential["other"].username}, format="json"
    )

    assert response.status_code == 403, response.content
    assert Incident.objects.get(pk=incident.pk).status == "assessed"


def test_a_participant_cannot_take_an_ownerless_one_over_by_a_transition(
    make_user, make_incident, client_for
):
    creator, participant = make_user("responder"), make_user("responder")
    assessed = make_incident(
        "assessed", actor=creator, is_confidential=True, participants=[participant]
    )
    dismissed = make_incident(
        "detected", actor=creator, is_confidential=True, participants=[participant], dismissed=True
    )
    client = client_for(participant)

    respond = client.post(url("respond", assessed), {}, format="json")
    reopen = client.post(
        url("reopen", dismissed), {"reason": "Back.", "severity": "high"}, format="json"
    )
    for_the_creator = client.post(
        url("respond", assessed), {"owner": creator.username}, format="json"
    )

    for response in (respond, reopen):
        assert response.status_code == 403, response.content
        assert "hand a confidential incident to" in response.json()["detail"]
    assert Incident.objects.get(pk=dismissed.pk).status == "resolved"
    assert for_the_creator.status_code == 200, for_the_creator.content
    assert for_the_creator.json()["owner"] == creator.username


def test_managers_already_see_it_so_anyone_may_add_one(confidential, manager, client_for):
    names = [confidential["participant"].username, manager.username]

    response = client_for(confidential["participant"]).patch(
        url("detail", confidential["incident"]), {"participants": names}, format="json"
    )

    assert response.status_code == 200, response.content


def test_a_participant_may_narrow_visibility(confidential, client_for):
    response = client_for(confidential["participant"]).patch(
        url("detail", confidential["incident"]), {"participants": []}, format="json"
    )

    assert response.status_code == 200, response.content


@pytest.mark.parametrize("who", ["owner", "manager"])
def test_the_owner_and_managers_may_widen_visibility(who, confidential, manager, client_for):
    actor = manager if who == "manager" else confidential["owner"]
    names = [confidential["participant"].username, confidential["other"].username]

    response = client_for(actor).patch(
        url("detail", confidential["incident"]),
        {"participants": names, "is_confidential": False},
        format="json",
    )

    assert response.status_code == 200, response.content
    assert sorted(response.json()["participants"]) == sorted(names)
    assert response.json()["is_confidential"] is False


def test_the_creator_keeps_it_while_there_is_no_owner(make_user, make_incident, client_for):
    creator, other = make_user("responder"), make_user("responder")
    incident = make_incident("detected", actor=creator, is_confidential=True)

    response = client_for(creator).patch(
        url("detail", incident), {"participants": [other.username]}, format="json"
    )

    assert response.status_code == 200, response.content


# --- A confidential original stays hidden ---------------------------------------------------


def test_duplicate_of_a_confidential_original_is_hidden_from_outsiders(
    make_incident, manager, viewer, client_for
):
    original = make_incident("detected", actor=manager, is_confidential=True)
    duplicate = make_incident("detected", actor=manager)
    services.incident_dismiss(
        incident_id=duplicate.pk, actor=manager, reason="Same leak.", duplicate_of=original
    )

    as_viewer = client_for(viewer)
    detail = as_viewer.get(url("detail", duplicate)).json()
    timeline = as_viewer.get(url("timeline", duplicate)).json()["results"]
    as_manager = client_for(manager).get(url("detail", duplicate)).json()

    assert detail["duplicate_of"] is None
    assert timeline[-1]["changes"]["duplicate_of"] == {"from": None, "to": None}
    assert str(original.pk) not in str(timeline)
    assert as_manager["duplicate_of"] == str(original.pk)
    listed = as_viewer.get(reverse("incident-list")).json()["results"]
    assert [i["duplicate_of"] for i in listed if i["id"] == str(duplicate.pk)] == [None]


# --- Notes honour If-Match -------------------------------------------------------------------


def test_a_note_against_a_stale_version_is_refused(make_incident, responder, client_for):
    incident = make_incident("detected")
    client = client_for(responder)

    stale = client.post(
        url("notes", incident), {"note": "Seen it."}, format="json", HTTP_IF_MATCH='"99"'
    )
    fresh = client.post(
        url("notes", incident),
        {"note": "Seen it."},
        format="json",
        HTTP_IF_MATCH=f'"{incident.version}"',
    )

    assert stale.status_code == 412, stale.content
    assert stale.json()["current_version"] == incident.version
    assert fresh.status_code == 201, fresh.content
    assert [e.note for e in events_of(incident)].count("Seen it.") == 1


# --- Services refuse what they do not know ---------------------------------------------------


def test_update_refuses_fields_it_does_not_know(make_incident, manager):
    incident = make_incident()

    with pytest.raises(TypeError, match="cannot change nonsense, reference"):
        services.incident_update(incident_id=incident.pk, actor=manager, reference="X", nonsense=1)

    assert Incident.objects.get(pk=incident.pk).reference == incident.reference


def test_update_events_say_null_where_the_api_says_null(make_incident, manager):
    incident = make_incident("assessed", actor=manager)

    services.incident_update(incident_id=incident.pk, actor=manager, scope="")

    assert events_of(incident)[-1].changes == {"scope": {"from": "spreading", "to": None}}
