"""Drafting, listing, reading and editing communications; publication and its events."""

import hashlib

import pytest
from django.utils import timezone

from crisis_api.models import Event
from incidents.communications.models import Communication, Template
from incidents.models import Incident
from incidents.monitoring.services import signals_ingest
from tests.communications.conftest import CALM_EN, CALM_FR, communication_url, incident_url
from tests.incidents.test_api_permissions import assert_problem

DRAFT = {"channel": "x", "audience": "customers", "language": "fr", "body": CALM_FR}


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def events(incident, prefix="communication."):
    return list(
        Event.objects.filter(stream=incident.stream, action__startswith=prefix).order_by("sequence")
    )


@pytest.fixture
def incident(make_incident, responder):
    return make_incident("responding", actor=responder)


@pytest.fixture
def api(client_for, responder):
    return client_for(responder)


def test_drafting_stores_the_text_its_tone_and_an_event(api, incident, responder):
    body = "VOUS AURIEZ DÛ LIRE LES CGV !!"
    response = api.post(incident_url(incident), {**DRAFT, "body": body}, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert response["ETag"] == '"1"'
    assert response["Location"].endswith(f"/api/v1/communications/{data['id']}/")
    assert data["status"] == "draft" and data["version"] == 1
    assert data["needs_approval"] is True  # the incident is high
    assert data["available_transitions"] == ["withdraw"]  # a responder cannot approve
    assert [w["code"] for w in data["tone_warnings"]] == [
        "shouting", "repeated_punctuation", "blame", "no_acknowledgement", "no_next_step",
    ]  # fmt: skip
    stored = Communication.objects.get(pk=data["id"])
    assert stored.tone_warnings == data["tone_warnings"] and stored.created_by == responder
    (event,) = events(incident)
    assert event.action == "communication.drafted" and event.actor == responder
    assert event.from_status == "" and event.to_status == ""
    assert event.data == {
        "communication": data["id"], "status": "draft", "body_sha256": sha(body),
        "tone_warnings": [w["code"] for w in data["tone_warnings"]],
    }  # fmt: skip
    assert event.changes == {
        "channel": {"from": None, "to": "x"},
        "audience": {"from": None, "to": "customers"},
        "language": {"from": None, "to": "fr"},
    }


def test_a_template_is_filled_from_the_incident(api, incident, manager):
    incident.owner = manager
    incident.channels = ["x", "facebook"]
    incident.save()
    template = Template.objects.create(
        name="Attente", language="fr",
        body="{reference} · {title} · {owner} · {severity} · {channel} · {detected_at} · {0} {}",
    )  # fmt: skip
    response = api.post(
        incident_url(incident),
        {"channel": "website", "audience": "public", "template": str(template.pk)},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()["body"]
    assert body.startswith(
        f"{incident.reference} · Viral post about late deliveries · {manager.username} · "
        "élevée · X, Facebook · "
    )
    assert body.endswith(" · {0} {}")  # other braces are left as written
    assert response.json()["language"] == "fr" and response.json()["template"] == str(template.pk)


def test_a_placeholder_without_a_value_stays_and_is_flagged(api, make_incident, responder):
    incident = make_incident("assessed", actor=responder)  # no owner yet
    template = Template.objects.create(name="T", language="en", body="Hello {owner}. " + CALM_EN)
    response = api.post(
        incident_url(incident),
        {"channel": "x", "audience": "public", "template": str(template.pk)},
        format="json",
    )
    assert "{owner}" in response.json()["body"]
    assert [w["code"] for w in response.json()["tone_warnings"]] == ["unfilled_placeholder"]


def test_a_title_holding_a_placeholder_is_not_filled_again(api, make_incident, responder):
    incident = make_incident("assessed", actor=responder, title="About {reference}")
    template = Template.objects.create(name="T", language="en", body="{title}. " + CALM_EN)
    response = api.post(
        incident_url(incident),
        {"channel": "x", "audience": "public", "template": str(template.pk)},
        format="json",
    )
    assert response.json()["body"].startswith("About {reference}. ")


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"body": CALM_FR, "language": None}, "language", "This field may not be null."),
        ({"language": "fr"}, "body", "Give a body, or a template to fill from the incident."),
        ({"body": CALM_FR, "template": "{template}"}, "template",
         "Give either a body or a template, not both."),
        ({"body": CALM_FR, "language": "de"}, "language", '"de" is not a valid choice.'),
        ({"template": "{template}", "language": "en"}, "template",
         "This template is written in 'fr', the communication in 'en'; pick a template in "
         "that language."),
        ({"template": "00000000-0000-0000-0000-000000000000"}, "template",
         "No template 00000000-0000-0000-0000-000000000000."),
        ({"body": 12}, "body", "Give a string."),
        ({"body": "   "}, "body", "This field may not be blank."),
        ({"body": "\u200b\u2800"}, "body", "Write something a reader can see."),
        ({"body": "x" * 10_001}, "body", "Ensure this field has no more than 10000 characters."),
        ({"body": "a\x00b"}, "body", "Null characters are not allowed."),
        ({"channel": "myspace"}, "channel", '"myspace" is not a valid choice.'),
        ({"channel": ["x"]}, "channel", "\"['x']\" is not a valid choice."),
        ({"audience": None}, "audience", "This field may not be null."),
        ({"in_reply_to": 5}, "in_reply_to",
         'Give a UUID as a string, e.g. "9b2f0c1e-6a57-4a39-9a51-1f1c8d3c2a10".'),
        ({"status": "published"}, "status", "Read-only: every communication starts as a draft."),
        ({"colour": "red"}, "colour", "Unknown field; see the schema for the accepted fields."),
    ],
)  # fmt: skip
def test_invalid_drafts_are_400_field_by_field(api, incident, body, field, message):
    template = Template.objects.create(name="T", language="fr", body="Bonjour. " + CALM_FR)
    payload = {**{k: v for k, v in DRAFT.items() if k != "body" or "template" not in body},
               **body}  # fmt: skip
    payload = {k: (str(template.pk) if v == "{template}" else v) for k, v in payload.items()}
    if field == "body" and "body" not in body:
        payload.pop("body")
    response = api.post(incident_url(incident), payload, format="json")
    problem = assert_problem(response, 400)
    assert message in problem["errors"][field], problem["errors"]
    assert not Communication.objects.exists()


def test_a_filled_template_longer_than_the_limit_is_400(api, make_incident, responder):
    incident = make_incident("assessed", actor=responder, title="T" * 200)
    template = Template.objects.create(name="T", language="fr", body="{title}" * 60)
    response = api.post(
        incident_url(incident),
        {"channel": "x", "audience": "public", "template": str(template.pk)},
        format="json",
    )
    problem = assert_problem(response, 400)
    assert problem["errors"]["template"] == [
        "The text would be 12000 characters long; at most 10000."
    ]


def test_in_reply_to_must_be_a_signal_of_this_incident(api, incident, make_incident, make_user):
    other = make_incident("assessed")
    feeder = make_user("monitor")
    signals = [
        {"platform": "x", "observed_at": timezone.now(), "content": f"Post {i}",
         "incident": target.pk, "external_id": f"post-{i}"}
        for i, target in enumerate([incident, other])
    ]  # fmt: skip
    signals_ingest(actor=feeder, signals=signals)
    mine, theirs = (target.signals.get() for target in (incident, other))
    response = api.post(
        incident_url(incident), {**DRAFT, "in_reply_to": str(theirs.pk)}, format="json"
    )
    assert assert_problem(response, 400)["errors"] == {
        "in_reply_to": [f"No signal {theirs.pk} on this incident."]
    }
    response = api.post(incident_url(incident), {**DRAFT, "in_reply_to": str(mine.pk)},
                        format="json")  # fmt: skip
    assert response.status_code == 201 and response.json()["in_reply_to"] == str(mine.pk)


def test_drafting_for_a_reviewed_incident_is_409_whatever_the_input(api, make_incident):
    incident = make_incident("reviewed")
    response = api.post(incident_url(incident), {"body": 12}, format="json")
    problem = assert_problem(response, 409)
    assert problem["type"] == "urn:crisis-api:problem:incident-closed"
    assert problem["current_status"] == "reviewed"
    assert problem["detail"] == (
        f"Incident {incident.reference} is 'reviewed' (closed): no communication can be "
        "drafted or edited for it. Record a new incident if the crisis is back."
    )


def test_an_unknown_incident_is_404(api):
    response = api.post(
        "/api/v1/incidents/00000000-0000-0000-0000-000000000000/communications/", DRAFT,
        format="json",
    )  # fmt: skip
    assert_problem(response, 404)


def test_the_list_is_newest_first_and_paged(api, incident, make_communication):
    drafted = [make_communication(incident=incident, body=f"{CALM_FR} {i}") for i in range(3)]
    first = api.get(f"{incident_url(incident)}?page_size=2").json()
    second = api.get(first["next"]).json()
    ids = [c["id"] for c in first["results"] + second["results"]]
    assert ids == [str(c.pk) for c in reversed(drafted)]
    oldest = api.get(f"{incident_url(incident)}?ordering=created_at").json()["results"][0]
    assert oldest["id"] == str(drafted[0].pk)


@pytest.mark.parametrize("query", ["page_size=0", "page_size=101", "cursor=abc",
                                   "ordering=body"])  # fmt: skip
def test_bad_list_parameters_are_400(api, incident, query):
    assert_problem(api.get(f"{incident_url(incident)}?{query}"), 400)


@pytest.mark.parametrize("count", [1, 25])
def test_the_list_takes_a_fixed_number_of_queries(
    api, incident, make_communication, django_assert_num_queries, count
):
    for _ in range(count):
        make_communication("approved", incident=incident)
    with django_assert_num_queries(4):  # token, permissions, incident, page
        response = api.get(incident_url(incident))
    assert len(response.json()["results"]) == count


def test_retrieve_gives_the_etag(api, make_communication):
    communication = make_communication("approved")
    response = api.get(communication_url(communication))
    assert response.status_code == 200
    assert response["ETag"] == '"2"' and response.json()["status"] == "approved"


# --- PATCH ---------------------------------------------------------------------------------


def test_editing_a_draft_checks_the_tone_again_and_records_it(api, make_communication, incident,
                                                              responder):  # fmt: skip
    communication = make_communication(incident=incident, body="NON !!")
    response = api.patch(
        communication_url(communication),
        {"body": CALM_FR, "audience": "public"},
        format="json",
        HTTP_IF_MATCH='"1"',
    )
    assert response.status_code == 200, response.json()
    assert response["ETag"] == '"2"'
    assert response.json()["tone_warnings"] == [] and response.json()["body"] == CALM_FR
    event = events(incident)[-1]
    assert event.action == "communication.updated" and event.actor == responder
    assert event.changes == {"audience": {"from": "customers", "to": "public"}}
    assert event.data == {
        "communication": str(communication.pk), "status": "draft", "body_sha256": sha(CALM_FR),
        "previous_body_sha256": sha("NON !!"), "tone_warnings": [],
    }  # fmt: skip


def test_a_patch_that_changes_nothing_writes_nothing(api, make_communication, incident):
    communication = make_communication(incident=incident)
    response = api.patch(communication_url(communication), {"body": CALM_FR}, format="json")
    assert response.status_code == 200 and response["ETag"] == '"1"'
    assert [e.action for e in events(incident)] == ["communication.drafted"]


def test_a_stale_if_match_is_412(api, make_communication):
    communication = make_communication()
    response = api.patch(
        communication_url(communication), {"body": "Autre."}, format="json", HTTP_IF_MATCH='"7"'
    )
    assert assert_problem(response, 412)["current_version"] == 1


@pytest.mark.parametrize("status", ["approved", "published", "withdrawn"])
def test_only_a_draft_can_be_edited(api, make_communication, status):
    communication = make_communication(status)
    response = api.patch(communication_url(communication), {"body": 5}, format="json")
    problem = assert_problem(response, 409)
    assert problem["type"] == "urn:crisis-api:problem:not-editable"
    assert problem["current_status"] == status
    assert problem["detail"] == (
        f"Only a draft can be edited; this communication is '{status}'. Withdraw it and draft "
        "a new one."
    )
    assert problem["allowed_transitions"] == ([] if status == "withdrawn" else
                                              ["publish", "withdraw"] if status == "approved"
                                              else ["withdraw"])  # fmt: skip


def test_a_draft_of_a_reviewed_incident_cannot_be_edited(api, make_communication, make_incident,
                                                         manager):  # fmt: skip
    incident = make_incident("resolved")
    communication = make_communication(incident=incident)
    from tests.conftest import run_transition

    run_transition(Incident.objects.get(pk=incident.pk), "review", manager)
    response = api.patch(communication_url(communication), {"body": "Autre."}, format="json")
    assert assert_problem(response, 409)["type"] == "urn:crisis-api:problem:incident-closed"


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"status": "published"}, "status", "Read-only: the status changes only through a "
         "transition (POST /api/v1/communications/{id}/<transition>/: approve, publish, "
         "withdraw)."),
        ({"template": "x"}, "template", "Only when drafting: send the new `body` instead."),
        ({"version": 3}, "version", "Read-only: set by the service or a transition, not by "
         "PATCH."),
        ({"body": ""}, "body", "This field may not be blank."),
        ({"language": "es"}, "language", '"es" is not a valid choice.'),
    ],
)  # fmt: skip
def test_invalid_patches_are_400(api, make_communication, body, field, message):
    communication = make_communication()
    response = api.patch(communication_url(communication), body, format="json")
    assert assert_problem(response, 400)["errors"][field] == [message]


# --- Publication ---------------------------------------------------------------------------


def test_the_first_publication_dates_the_first_public_response(
    client_for, make_rated, responder, make_communication
):
    incident = make_rated("low", "responding")
    version = Incident.objects.get(pk=incident.pk).version
    first, second = (make_communication(incident=incident) for _ in range(2))
    api = client_for(responder)
    response = api.post(
        f"{communication_url(first)}publish/", {"url": "https://x.com/a/1"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["url"] == "https://x.com/a/1"
    published = Incident.objects.get(pk=incident.pk)
    assert published.first_public_response_at == Communication.objects.get(pk=first.pk).published_at
    assert published.version == version  # not a change of the incident
    api.post(f"{communication_url(second)}publish/", {}, format="json")
    assert Incident.objects.get(pk=incident.pk).first_public_response_at == (
        published.first_public_response_at
    )
    first_event, second_event = events(incident, "communication.published")
    assert first_event.data["first_public_response"] is True
    assert second_event.data["first_public_response"] is False
    assert first_event.changes["status"] == {"from": "draft", "to": "published"}
    assert first_event.changes["url"] == {"from": "", "to": "https://x.com/a/1"}


@pytest.mark.parametrize(
    "url", ["ftp://x.com/a", "javascript:alert(1)", "x.com/a", 5, "https://x.com/" + "a" * 2100]
)
def test_a_bad_publication_url_is_400(client_for, responder, make_rated, make_communication, url):
    communication = make_communication(incident=make_rated("low"))
    response = client_for(responder).post(
        f"{communication_url(communication)}publish/", {"url": url}, format="json"
    )
    assert "url" in assert_problem(response, 400)["errors"]


def test_withdrawing_needs_a_reason_kept_in_the_event(client_for, responder, make_communication):
    communication = make_communication("published")
    api = client_for(responder)
    response = api.post(f"{communication_url(communication)}withdraw/", {}, format="json")
    assert assert_problem(response, 400)["errors"] == {"reason": ["This field is required."]}
    response = api.post(
        f"{communication_url(communication)}withdraw/", {"reason": "Wrong figures."},
        format="json",
    )  # fmt: skip
    assert response.status_code == 200 and response.json()["withdrawal_reason"] == "Wrong figures."
    event = events(communication.incident, "communication.withdrawn")[0]
    assert event.note == "Wrong figures."
    assert event.changes["status"] == {"from": "published", "to": "withdrawn"}
    assert event.data["status"] == "withdrawn"


def test_the_approval_event_keeps_the_tone_warnings(client_for, manager, make_communication):
    communication = make_communication(body="C'EST NUL !! Plus d'informations demain.")
    response = client_for(manager).post(f"{communication_url(communication)}approve/", {},
                                        format="json")  # fmt: skip
    assert response.status_code == 200
    event = events(communication.incident, "communication.approved")[0]
    assert [w["code"] for w in event.data["tone_warnings"]] == [
        "shouting",
        "repeated_punctuation",
        "no_acknowledgement",
    ]
    assert event.data["tone_warnings"][0]["excerpt"] == "C'EST NUL"
    assert event.changes["status"] == {"from": "draft", "to": "approved"}
    assert event.changes["approved_by"] == {"from": None, "to": manager.username}


def test_the_incident_timeline_shows_communication_events(client_for, responder,
                                                          make_communication):  # fmt: skip
    communication = make_communication("published")
    timeline = client_for(responder).get(f"/api/v1/incidents/{communication.incident_id}/timeline/")
    assert timeline.status_code == 200
    actions = [e["action"] for e in timeline.json()["results"]]
    assert actions[-3:] == [
        "communication.drafted",
        "communication.approved",
        "communication.published",
    ]
    last = timeline.json()["results"][-1]
    assert last["from_status"] is None and last["to_status"] is None
    verify = client_for(responder).get(
        f"/api/v1/incidents/{communication.incident_id}/timeline/verify/"
    )
    assert verify.json()["valid"] is True
