"""Create, read, update and the ETag/If-Match contract of the incident API."""

import pytest
from django.urls import reverse

from crisis_api.models import Event

LIST = reverse("incident-list")


def detail(incident):
    return reverse("incident-detail", kwargs={"pk": incident.pk})


def test_create_needs_only_a_title(responder, client_for):
    response = client_for(responder).post(LIST, {"title": "Bad review goes viral"}, format="json")

    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "detected"
    assert body["reference"].startswith("CR-")
    assert body["created_by"] == responder.username
    assert body["available_transitions"] == ["assess", "dismiss"]
    assert body["version"] == 1
    assert response["ETag"] == '"1"'
    assert response["Location"].endswith(f"/api/v1/incidents/{body['id']}/")
    event = Event.objects.get(stream=f"incident:{body['id']}")
    assert event.action == "incident.created"
    assert event.to_status == "detected"
    assert event.changes["title"] == {"from": None, "to": "Bad review goes viral"}


def test_references_count_up(responder, client_for):
    client = client_for(responder)
    first = client.post(LIST, {"title": "One"}, format="json").json()["reference"]
    second = client.post(LIST, {"title": "Two"}, format="json").json()["reference"]

    prefix, year, number = first.split("-")
    assert second == f"{prefix}-{year}-{int(number) + 1:04d}"


def test_create_with_everything(responder, manager, viewer, client_for):
    payload = {
        "title": "Fuite de données clients",
        "summary": "Un fichier circule sur un forum.",
        "category": "data_leak",
        "channels": ["forum", "x", "forum"],
        "is_confidential": True,
        "owner": manager.username,
        "participants": [viewer.username],
        "detected_at": "2026-01-02T03:04:05Z",
    }

    body = client_for(responder).post(LIST, payload, format="json").json()

    assert body["channels"] == ["forum", "x"]
    assert body["is_confidential"] is True
    assert body["owner"] == manager.username
    assert body["participants"] == [viewer.username]
    assert body["detected_at"] == "2026-01-02T03:04:05Z"


@pytest.mark.parametrize(
    ("payload", "errors"),
    [
        ({}, {"title": ["This field is required."]}),
        ({"title": ""}, {"title": ["This field may not be blank."]}),
        ({"title": "x" * 201}, {"title": ["Ensure this field has no more than 200 characters."]}),
        ({"title": "t", "category": "gossip"}, {"category": ['"gossip" is not a valid choice.']}),
        (
            {"title": "t", "channels": "x"},
            {"channels": ["Give a JSON array (a list of values)."]},
        ),
        ({"title": "t", "channels": ["fax"]}, {"channels.0": ['"fax" is not a valid choice.']}),
        (
            {"title": "t", "status": "resolved"},
            {"status": ["Read-only: every incident starts as 'detected'."]},
        ),
        (
            {"title": "t", "participants": ["ghost"]},
            {"participants": ["No active user has these usernames: ghost."]},
        ),
        (
            {"title": "t", "severity": "high"},
            {"severity": ["Unknown field; see the schema for the accepted fields."]},
        ),
    ],
)
def test_create_refuses_bad_input(payload, errors, responder, client_for):
    response = client_for(responder).post(LIST, payload, format="json")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"] == errors


def test_retrieve_has_strong_etag(make_incident, viewer, client_for):
    incident = make_incident("assessed")

    response = client_for(viewer).get(detail(incident))

    assert response.status_code == 200
    assert response["ETag"] == '"2"'
    assert response.json()["available_transitions"] == []


def test_unknown_or_malformed_id_is_404(responder, client_for):
    client = client_for(responder)
    for url in (
        "/api/v1/incidents/00000000-0000-0000-0000-000000000000/",
        "/api/v1/incidents/not-a-uuid/",
    ):
        response = client.get(url)
        assert response.status_code == 404
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["type"] == "urn:crisis-api:problem:not-found"


def test_patch_records_changes_and_bumps_version(make_incident, responder, manager, client_for):
    incident = make_incident()

    response = client_for(responder).patch(
        detail(incident),
        {"title": "New title", "channels": ["x"], "participants": [manager.username]},
        format="json",
        HTTP_IF_MATCH='"1"',
    )

    assert response.status_code == 200
    assert response["ETag"] == '"2"'
    body = response.json()
    assert (body["title"], body["channels"], body["version"]) == ("New title", ["x"], 2)
    assert body["participants"] == [manager.username]
    event = Event.objects.filter(stream=incident.stream).last()
    assert event.action == "incident.updated"
    assert event.actor == responder
    assert event.changes == {
        "title": {"from": "Viral post about late deliveries", "to": "New title"},
        "channels": {"from": [], "to": ["x"]},
        "participants": {"from": [], "to": [manager.username]},
    }


def test_patch_without_change_writes_nothing(make_incident, responder, client_for):
    incident = make_incident()
    events = Event.objects.filter(stream=incident.stream).count()

    response = client_for(responder).patch(
        detail(incident), {"title": incident.title}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["version"] == 1
    assert Event.objects.filter(stream=incident.stream).count() == events


def test_patch_stale_if_match_is_412(make_incident, responder, client_for):
    incident = make_incident("assessed")

    response = client_for(responder).patch(
        detail(incident), {"title": "x"}, format="json", HTTP_IF_MATCH='"1"'
    )

    assert response.status_code == 412
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["current_version"] == 2
    assert body["type"] == "urn:crisis-api:problem:precondition-failed"


@pytest.mark.parametrize("header", ['"2"', "*", 'W/"1", "2"'])
def test_patch_matching_if_match(header, make_incident, responder, client_for):
    incident = make_incident("assessed")

    response = client_for(responder).patch(
        detail(incident), {"title": "x"}, format="json", HTTP_IF_MATCH=header
    )

    assert response.status_code == 200


def test_weak_etag_never_matches(make_incident, responder, client_for):
    incident = make_incident()

    response = client_for(responder).patch(
        detail(incident), {"title": "x"}, format="json", HTTP_IF_MATCH='W/"1"'
    )

    assert response.status_code == 412


def test_transition_stale_if_match_is_412(make_incident, responder, client_for):
    incident = make_incident()

    response = client_for(responder).post(
        reverse("incident-assess", kwargs={"pk": incident.pk}),
        {"severity": "low"},
        format="json",
        HTTP_IF_MATCH='"7"',
    )

    assert response.status_code == 412
    assert response.json()["current_version"] == 1


@pytest.mark.parametrize(
    ("payload", "errors"),
    [
        ({"status": "resolved"}, {"status": [
            "Read-only: the status changes only through a transition (POST "
            "/api/v1/incidents/{id}/<transition>/, one of: assess, respond, resolve, dismiss, "
            "reopen, review)."]}),
        ({"version": 9}, {"version": ["Read-only: set by the lifecycle, not by PATCH."]}),
        ({"colour": "red"}, {"colour": ["Unknown field; see the schema for the accepted fields."]}),
        ({"severity": "high"}, {"severity": [
            "Assess the incident first: the assess transition sets its severity."]}),
        ({"estimated_reach": "many"}, {"estimated_reach": [
            "Give a whole number (a JSON integer, not a string)."]}),
    ],
)  # fmt: skip
def test_patch_refuses_bad_input(payload, errors, make_incident, responder, client_for):
    incident = make_incident()

    response = client_for(responder).patch(detail(incident), payload, format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == errors


def test_severity_change_moves_the_deadlines(make_incident, responder, client_for):
    incident = make_incident("assessed")  # severity high: 4 hours, 3 days
    assert incident.response_due_at - incident.assessed_at == _hours(4)
    assert incident.resolution_due_at - incident.assessed_at == _hours(72)

    body = client_for(responder).patch(detail(incident), {"severity": "critical"}, format="json")

    incident.refresh_from_db()
    assert incident.response_due_at - incident.assessed_at == _hours(1)
    assert incident.resolution_due_at - incident.assessed_at == _hours(24)
    assert body.json()["severity"] == "critical"
    event = Event.objects.filter(stream=incident.stream).last()
    assert set(event.changes) == {"severity", "response_due_at", "resolution_due_at"}


def _hours(n):
    from datetime import timedelta

    return timedelta(hours=n)


def test_put_and_delete_are_not_allowed(make_incident, manager, client_for):
    incident = make_incident()
    client = client_for(manager)

    for response in (
        client.put(detail(incident), {}, format="json"),
        client.delete(detail(incident)),
    ):
        assert response.status_code == 405
        assert response["Content-Type"] == "application/problem+json"


def test_notes_are_added_to_the_timeline(make_incident, responder, client_for):
    incident = make_incident()
    url = reverse("incident-notes", kwargs={"pk": incident.pk})

    response = client_for(responder).post(url, {"note": "Journalist called."}, format="json")

    assert response.status_code == 201
    body = response.json()
    assert body["action"] == "incident.note_added"
    assert body["note"] == "Journalist called."
    assert body["actor"] == responder.username
    assert body["sequence"] == 2


def test_empty_note_is_refused(make_incident, responder, client_for):
    incident = make_incident()
    url = reverse("incident-notes", kwargs={"pk": incident.pk})

    response = client_for(responder).post(url, {"note": " "}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == {"note": ["This field may not be blank."]}


def test_timeline_lists_events_in_order(make_incident, manager, client_for):
    incident = make_incident("resolved", actor=manager)
    url = reverse("incident-timeline", kwargs={"pk": incident.pk})

    body = client_for(manager).get(url, {"page_size": 2}).json()

    assert [e["sequence"] for e in body["results"]] == [1, 2]
    first = body["results"][0]
    assert set(first) == {
        "sequence", "at", "actor", "action", "from_status", "to_status", "changes", "note",
        "data", "request_id", "prev_hash", "hash",
    }  # fmt: skip
    assert first["from_status"] is None
    rest = client_for(manager).get(body["next"]).json()
    assert [e["sequence"] for e in rest["results"]] == [3, 4]


def test_request_id_is_echoed_and_recorded(make_incident, responder, client_for):
    incident = make_incident()
    url = reverse("incident-notes", kwargs={"pk": incident.pk})

    response = client_for(responder).post(
        url, {"note": "n"}, format="json", HTTP_X_REQUEST_ID="req-42"
    )

    assert response["X-Request-ID"] == "req-42"
    assert response.json()["request_id"] == "req-42"


def test_unsafe_request_id_is_replaced(db, client):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="bad id\nwith newline")

    assert response["X-Request-ID"] != "bad id\nwith newline"
    assert len(response["X-Request-ID"]) == 32


@pytest.mark.parametrize(
    ("payload", "errors"),
    [
        (
            {"owner": "\x00"},
            {
                "owner": [
                    "Remove the control characters (line breaks, tabs, NUL, direction "
                    "overrides…); this is a single line."
                ]
            },
        ),
        (
            {"participants": ["a\x00b"]},
            {
                "participants.0": [
                    "Remove the control characters (line breaks, tabs, NUL, direction "
                    "overrides…); this is a single line."
                ]
            },
        ),
    ],
)
def test_nul_in_a_username_is_400(payload, errors, responder, client_for):
    response = client_for(responder).post(LIST, {"title": "t", **payload}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == errors
