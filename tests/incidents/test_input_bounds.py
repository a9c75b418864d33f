"""Hostile input on the incident endpoints: every one is a 4xx problem, never a 500.

Wrong JSON types are refused rather than coerced, every text and list is bounded, integers
fit their columns, date-times carry an offset and a sane date, cursors and filters are checked
before they reach the database.
"""

import base64
import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from incidents.models import Incident

LIST = reverse("incident-list")
BIG = 2**63  # one more than a PositiveBigIntegerField holds
NOT_INTEGER = "Give a whole number (a JSON integer, not a string)."
TOO_BIG = "Ensure this value is less than or equal to 9223372036854775807."
NOT_BOOLEAN = "Give true or false (JSON booleans)."
NOT_STRING = "Give a string."
CONTROL = (
    "Remove the control characters (line breaks, tabs, NUL, direction overrides…); "
    "this is a single line."
)
NO_OFFSET = "Add the UTC offset (e.g. +01:00 or Z): a date-time without one is ambiguous."
BAD_DATETIME = "Give an ISO 8601 date-time with its offset, e.g. 2026-11-25T10:00:00+01:00."


def detail_url(incident, name=None):
    if name is None:
        return reverse("incident-detail", args=[incident.pk])
    return reverse(f"incident-{name}", args=[incident.pk])


def assert_invalid(response, errors):
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == "urn:crisis-api:problem:invalid"
    assert body["errors"] == errors


def _soon():
    return (timezone.now() + timedelta(hours=1)).isoformat()


@pytest.mark.parametrize(
    ("payload", "errors"),
    [
        ({"title": 123}, {"title": [NOT_STRING]}),
        ({"title": ["t"]}, {"title": [NOT_STRING]}),
        ({"title": "line\nbreak"}, {"title": [CONTROL]}),
        ({"title": "tab\there"}, {"title": [CONTROL]}),
        ({"title": "esc\x1b[31m"}, {"title": [CONTROL]}),
        ({"title": "nul\x00"}, {"title": [CONTROL]}),
        ({"title": "\ufeff"}, {"title": [CONTROL]}),  # an invisible title
        ({"title": "evil\u202etxt.exe"}, {"title": [CONTROL]}),  # shows reversed
        ({"title": "isolate\u2066x\u2069"}, {"title": [CONTROL]}),
        ({"title": "t", "summary": 5}, {"summary": [NOT_STRING]}),
        ({"title": "t", "summary": "a\x00b"}, {"summary": ["Null characters are not allowed."]}),
        (
            {"title": "t", "summary": "x" * 10_001},
            {"summary": ["Ensure this field has no more than 10000 characters."]},
        ),
        ({"title": "t", "is_confidential": "yes"}, {"is_confidential": [NOT_BOOLEAN]}),
        ({"title": "t", "is_confidential": 1}, {"is_confidential": [NOT_BOOLEAN]}),
        ({"title": "t", "is_confidential": "true"}, {"is_confidential": [NOT_BOOLEAN]}),
        (
            {"title": "t", "channels": ["x"] * 14},
            {"channels": ["Ensure this field has no more than 13 elements."]},
        ),
        (
            {"title": "t", "participants": [f"user{i}" for i in range(101)]},
            {"participants": ["Ensure this field has no more than 100 elements."]},
        ),
        ({"title": "t", "participants": "alice"}, {
            "participants": ['Give a JSON array (a list of values).']}),
        ({"title": "t", "participants": [5]}, {"participants.0": [NOT_STRING]}),
        ({"title": "t", "owner": 5}, {"owner": ["Give a username (a string)."]}),
        (
            {"title": "t", "owner": "x" * 151},
            {"owner": ["Ensure this field has no more than 150 characters."]},
        ),
        ({"title": "t", "detected_at": "2026-11-25T10:00:00"}, {"detected_at": [NO_OFFSET]}),
        ({"title": "t", "detected_at": _soon()}, {"detected_at": [
            "This date-time is in the future; give one no later than now (clocks may differ "
            "by 5 minutes at most)."]}),
        ({"title": "t", "detected_at": "1999-12-31T23:59:59Z"}, {
            "detected_at": ["Give a date-time on or after 2000-01-01."]}),
        ({"title": "t", "detected_at": "0000-01-01T00:00:00Z"}, {"detected_at": [BAD_DATETIME]}),
        ({"title": "t", "detected_at": "10000-01-01T00:00:00Z"}, {"detected_at": [BAD_DATETIME]}),
        ({"title": "t", "detected_at": "2026-01-01T00:00:00+99:00"}, {
            "detected_at": [BAD_DATETIME]}),
        ({"title": "t", "detected_at": "2026-13-01T00:00:00Z"}, {"detected_at": [BAD_DATETIME]}),
        ({"title": "t", "detected_at": 1764064800}, {"detected_at": [BAD_DATETIME]}),
    ],
)  # fmt: skip
def test_create_refuses_hostile_input(payload, errors, responder, client_for):
    response = client_for(responder).post(LIST, payload, format="json")

    assert_invalid(response, errors)
    assert not Incident.objects.exists()


def test_create_accepts_an_offset_date_time(responder, client_for):
    response = client_for(responder).post(
        LIST, {"title": "t", "detected_at": "2026-01-05T10:00:00+01:00"}, format="json"
    )

    assert response.status_code == 201
    assert response.json()["detected_at"].startswith("2026-01-05T09:00:00")


def test_participants_are_resolved_in_one_query(make_user, responder, client_for):
    names = [make_user("viewer").username for _ in range(30)]
    client = client_for(responder)

    def queries_for(participants):
        with CaptureQueriesContext(connection) as queries:
            response = client.post(
                LIST, {"title": "t", "participants": participants}, format="json"
            )
        assert response.status_code == 201
        return len(queries)

    assert queries_for(names[:1]) == queries_for(names)


def test_unknown_participants_are_all_named(make_user, responder, client_for):
    known = make_user("viewer").username

    response = client_for(responder).post(
        LIST, {"title": "t", "participants": ["ghost", known, "phantom"]}, format="json"
    )

    assert_invalid(
        response, {"participants": ["No active user has these usernames: ghost, phantom."]}
    )


@pytest.mark.parametrize(
    ("payload", "errors"),
    [
        ({"estimated_reach": BIG}, {"estimated_reach": [TOO_BIG]}),
        ({"affected_count": 10**400}, {"affected_count": [TOO_BIG]}),
        ({"estimated_reach": -1}, {
            "estimated_reach": ["Ensure this value is greater than or equal to 0."]}),
        ({"estimated_reach": "12"}, {"estimated_reach": [NOT_INTEGER]}),
        ({"estimated_reach": 12.0}, {"estimated_reach": [NOT_INTEGER]}),
        ({"estimated_reach": True}, {"estimated_reach": [NOT_INTEGER]}),
        ({"title": 123}, {"title": [NOT_STRING]}),
        ({"is_confidential": "yes"}, {"is_confidential": [NOT_BOOLEAN]}),
        ({"rationale": "x" * 5001}, {
            "rationale": ["Ensure this field has no more than 5000 characters."]}),
        ({"impact": ["legal"] * 6}, {"impact": ["Ensure this field has no more than 5 elements."]}),
        ({"detected_at": "2026-11-25 10:00"}, {"detected_at": [NO_OFFSET]}),
        ({"detected_at": None}, {"detected_at": ["This field may not be null."]}),
    ],
)  # fmt: skip
def test_patch_refuses_hostile_input(payload, errors, make_incident, responder, client_for):
    incident = make_incident("assessed")

    response = client_for(responder).patch(detail_url(incident), payload, format="json")

    assert_invalid(response, errors)
    incident.refresh_from_db()
    assert incident.version == 2


@pytest.mark.parametrize(
    ("name", "status", "payload", "errors"),
    [
        ("assess", "detected", {"severity": "low", "estimated_reach": BIG},
         {"estimated_reach": [TOO_BIG]}),
        ("assess", "detected", {"severity": "low", "affected_count": "12"},
         {"affected_count": [NOT_INTEGER]}),
        ("assess", "detected", {"severity": 3}, {"severity": ['"3" is not a valid choice.']}),
        ("dismiss", "detected", {"reason": "dup", "duplicate_of": 5}, {"duplicate_of": [
            'Give a UUID as a string, e.g. "9b2f0c1e-6a57-4a39-9a51-1f1c8d3c2a10".']}),
        ("dismiss", "detected", {"reason": "x" * 5001}, {
            "reason": ["Ensure this field has no more than 5000 characters."]}),
        ("reopen", "resolved", {"reason": ["why"]}, {"reason": [NOT_STRING]}),
        ("resolve", "responding", {"resolution_summary": "x" * 10_001}, {
            "resolution_summary": ["Ensure this field has no more than 10000 characters."]}),
        ("respond", "assessed", {"owner": ["alice"]}, {"owner": ["Give a username (a string)."]}),
    ],
)  # fmt: skip
def test_transitions_refuse_hostile_input(
    name, status, payload, errors, make_incident, manager, client_for
):
    incident = make_incident(status, actor=manager)

    response = client_for(manager).post(detail_url(incident, name), payload, format="json")

    assert_invalid(response, errors)
    incident.refresh_from_db()
    assert incident.status == status


REVIEW = {
    "summary": "s",
    "root_cause": "r",
    "what_went_well": "w",
    "what_went_wrong": "w",
    "lessons_learned": "l",
}


@pytest.mark.parametrize(
    ("extra", "errors"),
    [
        ({"follow_up_actions": ["a"] * 51}, {
            "follow_up_actions": ["Ensure this field has no more than 50 elements."]}),
        ({"follow_up_actions": ["x" * 501]}, {
            "follow_up_actions.0": ["Ensure this field has no more than 500 characters."]}),
        ({"follow_up_actions": ["two\nlines"]}, {"follow_up_actions.0": [CONTROL]}),
        ({"lessons_learned": "x" * 10_001}, {
            "lessons_learned": ["Ensure this field has no more than 10000 characters."]}),
    ],
)  # fmt: skip
def test_review_is_bounded(extra, errors, make_incident, manager, client_for):
    incident = make_incident("resolved", actor=manager)

    response = client_for(manager).post(
        detail_url(incident, "review"), {**REVIEW, **extra}, format="json"
    )

    assert_invalid(response, errors)


def test_note_is_bounded(make_incident, responder, client_for):
    incident = make_incident()

    response = client_for(responder).post(
        detail_url(incident, "notes"), {"note": "x" * 10_001}, format="json"
    )

    assert_invalid(response, {"note": ["Ensure this field has no more than 10000 characters."]})


# --- Query parameters ------------------------------------------------------------------------


def _cursor(raw: str) -> str:
    return base64.b64encode(raw.encode()).decode()


def _keyset(*values) -> str:
    """A cursor as the pagination writes it: one value per ordering field."""
    return _cursor(json.dumps({"p": list(values)}))


INVALID_CURSOR = {"cursor": ["Invalid cursor; follow the `next` or `previous` link of a page."]}
AN_ID = "0b0e0c52-7c4c-4c55-9d1b-3a3c0f6a1e01"
A_TIME = "2026-11-25T10:00:00+00:00"


@pytest.mark.parametrize(
    "position",
    [
        ("2026", AN_ID),
        ("abc", AN_ID),
        ("2026-11-25 10:00:00", AN_ID),  # naive
        ("2026-11-25", AN_ID),  # a date
        ("0001-01-01 00:00:00+01:00", AN_ID),  # before year 1 in UTC
        ("9999-12-31 23:59:59-01:00", AN_ID),  # after year 9999 in UTC
        ("", AN_ID),
        (A_TIME, "not-a-uuid"),  # a tampered id
        (A_TIME, AN_ID[:-1]),
        (A_TIME, "1"),
        (A_TIME, AN_ID + "\x00"),
        (A_TIME, "\ud800"),  # a lone surrogate: no UTF-8 for PostgreSQL
        (A_TIME, 1),  # not a string
        (A_TIME, None),
        (A_TIME, [AN_ID]),
        (A_TIME,),  # one value short
        (A_TIME, AN_ID, AN_ID),  # one too many
        (),
    ],
)
@pytest.mark.parametrize("ordering", ["-created_at", "next_due_at"])
def test_list_refuses_a_crafted_cursor(position, ordering, make_incident, manager, client_for):
    make_incident(actor=manager)

    response = client_for(manager).get(LIST, {"ordering": ordering, "cursor": _keyset(*position)})

    assert_invalid(response, INVALID_CURSOR)


@pytest.mark.parametrize("position", ["abc", "1.5", str(2**63), str(-(2**63) - 1), "1e3", "", 1])
def test_timeline_refuses_a_crafted_cursor(position, make_incident, manager, client_for):
    incident = make_incident(actor=manager)

    response = client_for(manager).get(
        detail_url(incident, "timeline"), {"cursor": _keyset(position)}
    )

    assert_invalid(response, INVALID_CURSOR)


@pytest.mark.parametrize(
    "cursor",
    [
        "====",  # decodes to nothing: DRF read it as the first page
        "\x00",
        "A" * 3000,  # NUL bytes once decoded, and too long
        _keyset("1") + "\n",  # not strict base64
        "é",  # not ASCII
        _cursor("p=1"),  # DRF's cursor, from before the keyset
        _cursor("o=25&p=2026-11-25+10%3A00%3A00%2B00%3A00"),
        _cursor('{"p": ["1"], "p": ["2"]}'),  # a repeated key
        _cursor('{"x": 1}'),  # a key the pagination never writes
        _cursor("{}"),
        _cursor('{"p": ["1"], "r": 2}'),
        _cursor('{"p": ["1"], "r": true}'),
        _cursor('{"p": ["1"], "r": 0}'),
        _cursor('{"r": NaN}'),
        _cursor('{"p": "1"}'),  # not a list
        _cursor('["1"]'),  # not an object
        _cursor("[" * 374 + "]" * 374),  # nested as deep as the length cap allows
        _cursor('{"p": ["1"]'),  # truncated
        base64.b64encode(b'{"p": ["\xff"]}').decode(),  # not UTF-8
    ],
    ids=["padding", "nul", "long", "newline", "not-ascii", "drf", "drf-offset", "repeated",
         "unknown-key", "empty-object", "reverse-2", "reverse-true", "reverse-0", "nan",
         "not-a-list", "not-an-object", "nested", "truncated", "not-utf8"],
)  # fmt: skip
@pytest.mark.parametrize("where", ["list", "timeline"])
def test_garbage_cursors_are_refused_not_read_as_the_first_page(
    where, cursor, make_incident, manager, client_for
):
    incident = make_incident(actor=manager)
    url = LIST if where == "list" else detail_url(incident, "timeline")

    response = client_for(manager).get(url, {"cursor": cursor})

    assert_invalid(response, INVALID_CURSOR)


def test_a_well_formed_cursor_of_any_position_is_honoured(make_incident, manager, client_for):
    # What the refusals above change is the values: these are of the right types.
    make_incident(actor=manager)

    response = client_for(manager).get(LIST, {"cursor": _keyset(A_TIME, AN_ID)})

    assert response.status_code == 200, response.content
    assert response.json()["next"] is None


def test_a_real_cursor_still_works(make_incident, manager, client_for):
    for i in range(3):
        make_incident(actor=manager, title=f"t{i}")
    client = client_for(manager)

    first = client.get(LIST, {"page_size": 2}).json()
    second = client.get(first["next"]).json()
    back = client.get(second["previous"]).json()

    assert len(second["results"]) == 1
    assert [r["id"] for r in back["results"]] == [r["id"] for r in first["results"]]


@pytest.mark.parametrize(
    ("query", "errors"),
    [
        ({"owner": "ghost"}, {"owner": ["No active user has these usernames: ghost."]}),
        ({"owner": ["ghost", "phantom"]}, {
            "owner": ["No active user has these usernames: ghost, phantom."]}),
        ({"owner": "a\x00b"}, {"owner": ["Give usernames."]}),
        # A % in the value is quoted as given (it was formatted twice: a 500).
        ({"owner": "%s"}, {"owner": ["No active user has these usernames: %s."]}),
        ({"status": "%(x)s"}, {"status": [
            "%(x)s is not one of the values allowed: detected, assessed, responding, resolved, "
            "reviewed."]}),
        ({"owner": "x" * 151}, {"owner": ["Give usernames."]}),
        ({"q": "x" * 201}, {"q": ["Ensure this value has at most 200 characters (it has 201)."]}),
        ({"q": "a\x00b"}, {"q": ["Null characters are not allowed."]}),
        ({"status": ["detected"] * 21}, {"status": ["Repeat this parameter at most 20 times."]}),
        ({"channel": ["x"] * 21}, {"channel": ["Repeat this parameter at most 20 times."]}),
        ({"owner": [f"u{i}" for i in range(21)]}, {
            "owner": ["Repeat this parameter at most 20 times."]}),
    ],
)  # fmt: skip
def test_list_refuses_hostile_filters(query, errors, manager, client_for):
    response = client_for(manager).get(LIST, query)

    assert_invalid(response, errors)


def test_too_many_query_parameters_is_a_problem(manager, client_for):
    response = client_for(manager).get(LIST + "?" + "&".join(f"p{i}=1" for i in range(1001)))

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["detail"] == (
        "Too many query parameters or form fields (at most 1000); send fewer."
    )


@pytest.mark.parametrize(
    "header", ['"' + "9" * 5000 + '"', '"²"', '"-1"', "W/" + '"1"', '"' + "1" * 40 + '"', "\x7f"]
)
def test_odd_if_match_is_a_412(header, make_incident, responder, client_for):
    incident = make_incident()

    response = client_for(responder).patch(
        detail_url(incident), {"title": "New"}, format="json", HTTP_IF_MATCH=header
    )

    assert response.status_code == 412
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["current_version"] == 1


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer",
        "Bearer a b",
        "Bearer " + "x" * 10_000,
        "Bearer \x00",
        "Basic Zm9vOmJhcg==",
        "\xff\xfe",
    ],
)
def test_odd_authorization_is_a_401(authorization, db, client):
    response = client.get(LIST, HTTP_AUTHORIZATION=authorization)

    assert response.status_code in (401, 403)
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/incidents/------------------------------------/",
        "/api/v1/incidents/gggggggg-gggg-gggg-gggg-gggggggggggg/",
        "/api/v1/incidents/%00/",
        "/api/v1/incidents/" + "a" * 5000 + "/",
    ],
)
def test_malformed_ids_are_404(path, manager, client_for):
    response = client_for(manager).get(path)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
