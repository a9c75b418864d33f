"""Each transition refuses missing or bad input field by field (400), and nothing changes."""

import uuid

import pytest
from django.urls import reverse

from crisis_api.models import Event

INVALID_INPUT = [
    ("assess", "detected", {}, {"severity": ["This field is required."]}),
    ("assess", "detected", {"severity": "huge"}, {"severity": ['"huge" is not a valid choice.']}),
    (
        "assess",
        "detected",
        {"severity": "low", "scope": "global"},
        {"scope": ['"global" is not a valid choice.']},
    ),
    (
        "assess",
        "detected",
        {"severity": "low", "estimated_reach": -1},
        {"estimated_reach": ["Ensure this value is greater than or equal to 0."]},
    ),
    (
        "assess",
        "detected",
        {"severity": "low", "impact": ["fame"]},
        {"impact.0": ['"fame" is not a valid choice.']},
    ),
    (
        "assess",
        "detected",
        {"severity": "low", "status": "resolved"},
        {"status": ["Unknown field; see the schema for the accepted fields."]},
    ),
    ("respond", "assessed", {"owner": "nobody"}, {"owner": ["No active user is named nobody."]}),
    ("resolve", "responding", {}, {"resolution_summary": ["This field is required."]}),
    (
        "resolve",
        "responding",
        {"resolution_summary": ""},
        {"resolution_summary": ["This field may not be blank."]},
    ),
    ("dismiss", "detected", {}, {"reason": ["This field is required."]}),
    ("reopen", "resolved", {"reason": ""}, {"reason": ["This field may not be blank."]}),
    (
        "review",
        "resolved",
        {"summary": "s"},
        {
            "root_cause": ["This field is required."],
            "what_went_well": ["This field is required."],
            "what_went_wrong": ["This field is required."],
            "lessons_learned": ["This field is required."],
        },
    ),
]


@pytest.mark.parametrize(("name", "source", "payload", "errors"), INVALID_INPUT)
def test_invalid_input_is_refused(
    name, source, payload, errors, make_incident, manager, client_for
):
    incident = make_incident(source, actor=manager)
    events = Event.objects.filter(stream=incident.stream).count()

    response = client_for(manager).post(
        reverse(f"incident-{name}", kwargs={"pk": incident.pk}), payload, format="json"
    )

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == "urn:crisis-api:problem:invalid"
    assert body["status"] == 400
    assert body["errors"] == errors
    incident.refresh_from_db()
    assert incident.status == source
    assert Event.objects.filter(stream=incident.stream).count() == events


def test_owner_must_be_able_to_respond(make_incident, viewer, manager, client_for):
    incident = make_incident("assessed", actor=manager)

    response = client_for(manager).post(
        reverse("incident-respond", kwargs={"pk": incident.pk}),
        {"owner": viewer.username},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["errors"] == {
        "owner": [
            f"{viewer.username} cannot own incidents; give them the responder or manager role."
        ]
    }


@pytest.mark.parametrize("duplicate_of", ["self", "unknown", "not-a-uuid"])
def test_dismiss_duplicate_of_must_be_another_visible_incident(
    duplicate_of, make_incident, manager, client_for
):
    incident = make_incident(actor=manager)
    value = {"self": str(incident.pk), "unknown": str(uuid.uuid4()), "not-a-uuid": "x"}[
        duplicate_of
    ]

    response = client_for(manager).post(
        reverse("incident-dismiss", kwargs={"pk": incident.pk}),
        {"reason": "dup", "duplicate_of": value},
        format="json",
    )

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["duplicate_of"]


def test_body_that_is_not_an_object(make_incident, manager, client_for):
    incident = make_incident(actor=manager)

    response = client_for(manager).post(
        reverse("incident-assess", kwargs={"pk": incident.pk}), ["high"], format="json"
    )

    assert response.status_code == 400
    assert "non_field_errors" in response.json()["errors"]


def test_malformed_json(make_incident, manager, client_for):
    incident = make_incident(actor=manager)

    response = client_for(manager).post(
        reverse("incident-assess", kwargs={"pk": incident.pk}),
        "{not json",
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["type"] == "urn:crisis-api:problem:parse-error"
