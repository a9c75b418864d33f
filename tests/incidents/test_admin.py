"""The managers' workspace in the admin: access, list, page, transitions, export, tokens."""

import csv
import io
import re
from datetime import UTC, datetime

import pytest
from django.urls import reverse

from crisis_api.models import ApiToken, Event
from incidents.actions import services as action_services
from incidents.communications import services as comms
from tests.conftest import LIFECYCLE, TRANSITION_INPUT

CHANGELIST = reverse("admin:incidents_incident_changelist")


def change_url(incident):
    return reverse("admin:incidents_incident_change", args=[incident.pk])


def transition_url(incident, name):
    return reverse("admin:incidents_incident_transition", args=[incident.pk, name])


# --- access --------------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "allowed"), [("manager", True), ("responder", False),
                                                ("viewer", False), (None, False)])  # fmt: skip
def test_only_managers_get_in(role, allowed, make_user, admin_client_for):
    user = make_user(role)
    user.is_staff = True  # even a staff flag set by hand does not let other roles in
    user.save()

    response = admin_client_for(user).get(reverse("admin:index"))

    if allowed:
        assert response.status_code == 200
    else:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


def test_responder_cannot_log_in(make_user, client, plain_static_files):
    user = make_user("responder")
    user.set_password("s3cret-pass-phrase")
    user.save()

    response = client.post(
        reverse("admin:login"), {"username": user.username, "password": "s3cret-pass-phrase"}
    )

    assert response.status_code == 200  # the form again, with an error
    assert "staff account" in response.content.decode()


# --- list ----------------------------------------------------------------------------------


def test_list_shows_badges_and_filters(make_incident, manager, admin_client_for):
    assessed = make_incident("assessed", actor=manager, title="Vidéo virale")
    make_incident(actor=manager, title="Unrelated rumour")

    response = admin_client_for(manager).get(CHANGELIST, {"status__exact": "assessed"})

    html = response.content.decode()
    assert response.status_code == 200
    assert assessed.reference in html
    assert "Unrelated rumour" not in html
    assert 'class="crisis-badge"' in html


@pytest.mark.parametrize(
    "query",
    [{"channel": "x"}, {"overdue": "no"}, {"is_confidential__exact": "0"}, {"q": "Vidéo"},
     {"severity__exact": "high"}, {"category__exact": "other"}],
)  # fmt: skip
def test_list_filters_work(query, make_incident, manager, admin_client_for):
    incident = make_incident("assessed", actor=manager, title="Vidéo", channels=["x"])

    response = admin_client_for(manager).get(CHANGELIST, query)

    assert response.status_code == 200
    assert incident.reference in response.content.decode()


def test_csv_export_of_selected(make_incident, manager, admin_client_for):
    first = make_incident("assessed", actor=manager, title="=HYPERLINK(evil)", channels=["x"])
    second = make_incident(actor=manager, title="Plain")

    response = admin_client_for(manager).post(
        CHANGELIST,
        {"action": "export_csv", "_selected_action": [str(first.pk), str(second.pk)]},
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [r["reference"] for r in rows] == [second.reference, first.reference]
    assert rows[1]["title"] == "'=HYPERLINK(evil)"  # neutralised for spreadsheets
    assert rows[1]["status"] == "assessed"
    assert rows[1]["channels"] == "x"
    assert rows[1]["severity"] == "high"
    assert Event.objects.filter(stream="system", action="incidents.exported").exists()


def test_confidential_incidents_follow_the_api_rule(make_incident, make_user, admin_client_for):
    # Only managers get in, and the API's rule lets managers see every confidential incident.
    creator = make_user("responder")
    secret = make_incident(actor=creator, is_confidential=True, title="Fuite")
    client = admin_client_for(make_user("manager"))

    assert secret.reference in client.get(CHANGELIST).content.decode()
    assert client.get(change_url(secret)).status_code == 200


# --- page ----------------------------------------------------------------------------------


def test_page_shows_lifecycle_read_only_and_transitions(make_incident, manager, admin_client_for):
    incident = make_incident("assessed", actor=manager)

    response = admin_client_for(manager).get(change_url(incident))

    html = response.content.decode()
    assert response.status_code == 200
    for field in ("status", "version", "reference", "assessed_at", "response_due_at"):
        assert f'id="id_{field}"' not in html
    assert 'id="id_title"' in html
    assert 'data-transition="respond"' in html
    assert 'data-transition="dismiss"' in html
    assert 'data-transition="assess"' not in html
    assert 'id="crisis-timeline"' in html
    assert "✔ chain valid (2 events)" in html
    assert "#state-assessed rect" in html
    assert 'type="checkbox" name="channels"' in html
    assert 'type="checkbox" name="impact"' in html


def test_timeline_labels_the_changes_of_communications_and_actions(
    make_incident, manager, admin_client_for
):
    incident = make_incident("responding", actor=manager)
    draft = comms.communication_draft(
        incident_id=incident.pk, actor=manager, channel="x", audience="public",
        language="en", body="We are sorry. More news here tomorrow at 9.",
    )  # fmt: skip
    comms.communication_approve(communication_id=draft.pk, actor=manager)
    due = datetime(2026, 11, 25, 18, 0, tzinfo=UTC)
    action_services.action_create(
        incident_id=incident.pk, actor=manager, kind="fix", title="Fix it", due_at=due
    )

    response = admin_client_for(manager).get(change_url(incident))

    timeline = response.content.decode().split('id="crisis-timeline"')[1]
    # Each event's changes, as a set (PostgreSQL's jsonb keeps them in its own key order).
    rows = [set(cell.split("; ")) for cell in re.findall(r"<td>([^<]*→[^<]*)</td>", timeline)]
    assert {"Channel: — → X", "Audience: — → The public", "Language: — → English"} in rows
    approved = next(row for row in rows if "Status: Draft → Approved" in row)
    assert f"Approved by: — → {manager.username}" in approved
    assert any(change.startswith("Approved at: — → Nov. ") for change in approved)
    assert {
        "Status: — → Open", "Kind: — → Fix", "Title: — → Fix it",
        "Due at: — → Nov. 25, 2026, 6 p.m.",
    } in rows  # fmt: skip
    assert "approved_by" not in timeline and "2026-11-25T18:00:00" not in timeline


def test_page_edit_goes_through_the_service(make_incident, manager, admin_client_for):
    incident = make_incident("assessed", actor=manager, title="Old")
    client = admin_client_for(manager)
    form = client.get(change_url(incident)).context["adminform"].form
    data = {**form.initial, "title": "New", "channels": ["x", "news"], "impact": ["legal"],
            "participants": [], "owner": "", "scope": "", "estimated_reach": "",
            "affected_count": "", "expected_version": incident.version}  # fmt: skip

    response = client.post(change_url(incident), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    incident.refresh_from_db()
    assert (incident.title, incident.channels, incident.impact) == ("New", ["x", "news"], ["legal"])
    assert incident.version == 3
    event = Event.objects.filter(stream=incident.stream).last()
    assert event.action == "incident.updated"
    assert event.actor == manager
    assert event.changes["title"] == {"from": "Old", "to": "New"}


def test_page_edit_with_stale_version_is_refused(make_incident, manager, admin_client_for):
    incident = make_incident("assessed", actor=manager, title="Old")
    client = admin_client_for(manager)
    data = {"title": "New", "category": "other", "severity": "high",
            "expected_version": incident.version - 1}  # fmt: skip

    response = client.post(change_url(incident), data, follow=True)

    assert "The resource changed since you read it" in response.content.decode()
    incident.refresh_from_db()
    assert incident.title == "Old"


def test_add_goes_through_the_service(manager, admin_client_for):
    response = admin_client_for(manager).post(
        reverse("admin:incidents_incident_add"),
        {"title": "Posted from the admin", "category": "defamation", "channels": ["blog"],
         "summary": ""},
    )  # fmt: skip

    assert response.status_code == 302
    event = Event.objects.get(action="incident.created", changes__title__to="Posted from the admin")
    assert event.actor == manager


# --- transitions ----------------------------------------------------------------------------


def test_assess_form_shows_validation_errors(make_incident, manager, admin_client_for):
    incident = make_incident(actor=manager)

    response = admin_client_for(manager).post(
        transition_url(incident, "assess"), {"version": incident.version, "estimated_reach": -5}
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "This field is required." in html
    assert "Ensure this value is greater than or equal to 0." in html
    incident.refresh_from_db()
    assert incident.status == "detected"


def _form_data(name):
    data = dict(TRANSITION_INPUT[name])
    if "follow_up_actions" in data:
        data["follow_up_actions"] = "\n".join(data["follow_up_actions"])
    return data


@pytest.mark.parametrize(
    ("name", "source", "target"),
    [(name, source, target) for (name, source), target in LIFECYCLE.items()],
)
def test_admin_transitions_write_the_same_events_as_the_api(
    name, source, target, make_incident, manager, admin_client_for, client_for
):
    via_admin = make_incident(source, actor=manager)
    via_api = make_incident(source, actor=manager)

    response = admin_client_for(manager).post(
        transition_url(via_admin, name), {**_form_data(name), "version": via_admin.version}
    )
    client_for(manager).post(
        reverse(f"incident-{name}", kwargs={"pk": via_api.pk}),
        TRANSITION_INPUT[name],
        format="json",
    )

    assert response.status_code == 302
    # The incident's own last event (a review's follow-ups add action events after it).
    admin_event = Event.objects.filter(
        stream=via_admin.stream, action__startswith="incident."
    ).last()
    api_event = Event.objects.filter(stream=via_api.stream, action__startswith="incident.").last()
    for event in (admin_event, api_event):
        assert (event.from_status, event.to_status, event.actor) == (source, target, manager)
    assert admin_event.action == api_event.action
    assert admin_event.note == api_event.note
    assert admin_event.changes.keys() == api_event.changes.keys()
    assert admin_event.data == api_event.data


def test_refused_transition_shows_the_api_message(make_incident, manager, admin_client_for):
    incident = make_incident(actor=manager)

    response = admin_client_for(manager).get(transition_url(incident, "resolve"), follow=True)

    assert "Transition &#x27;resolve&#x27; is not allowed from &#x27;detected&#x27;; allowed: " \
        "assess, dismiss." in response.content.decode()  # fmt: skip


def test_transition_raced_by_the_api_shows_the_409_message(
    make_incident, manager, admin_client_for, client_for
):
    incident = make_incident("assessed", actor=manager)
    client = admin_client_for(manager)
    client_for(manager).post(
        reverse("incident-dismiss", kwargs={"pk": incident.pk}), {"reason": "x"}, format="json"
    )

    response = client.post(
        transition_url(incident, "respond"), {"version": incident.version}, follow=True
    )

    html = response.content.decode()
    assert "The resource changed since you read it (current version 3)" in html


def test_unknown_transition_is_404(make_incident, manager, admin_client_for):
    incident = make_incident(actor=manager)

    assert admin_client_for(manager).get(transition_url(incident, "explode")).status_code == 404


# --- event log and tokens -----------------------------------------------------------------------


def test_event_log_is_read_only(make_incident, manager, admin_client_for):
    incident = make_incident(actor=manager)
    event = Event.objects.get(stream=incident.stream)
    client = admin_client_for(manager)

    listing = client.get(reverse("admin:crisis_api_event_changelist"), {"stream_kind": "incident"})
    page = client.get(reverse("admin:crisis_api_event_change", args=[event.pk]))

    assert listing.status_code == 200
    assert incident.stream in listing.content.decode()
    assert page.status_code == 200
    assert 'name="note"' not in page.content.decode()
    assert client.get(reverse("admin:crisis_api_event_add")).status_code == 403
    assert client.post(reverse("admin:crisis_api_event_delete", args=[event.pk])).status_code == 403


def test_token_issued_once_listed_without_secret_and_revoked(make_user, manager, admin_client_for):
    bot = make_user("responder")
    client = admin_client_for(manager)

    issued = client.post(
        reverse("admin:crisis_api_apitoken_add"), {"user": bot.pk, "name": "bot", "days": 30}
    )
    secret = issued.context["secret"]
    token = ApiToken.objects.get(user=bot)
    listing = client.get(reverse("admin:crisis_api_apitoken_changelist")).content.decode()
    revoked = client.post(
        reverse("admin:crisis_api_apitoken_changelist"),
        {"action": "revoke", "_selected_action": [token.pk]},
    )

    assert secret.startswith("crisis_") and secret in issued.content.decode()
    assert token.prefix in listing and secret not in listing and token.digest not in listing
    assert revoked.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    actions = list(Event.objects.filter(stream="system").values_list("action", "actor"))
    assert ("api_token.issued", manager.pk) in actions
    assert ("api_token.revoked", manager.pk) in actions


def test_severity_cannot_be_emptied_once_assessed(make_incident, manager, admin_client_for):
    incident = make_incident("assessed", actor=manager)
    data = {"title": incident.title, "category": "other", "severity": "",
            "expected_version": incident.version}  # fmt: skip

    response = admin_client_for(manager).post(change_url(incident), data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["severity"] == ["This field is required."]


def test_review_with_braces_in_follow_up_actions_renders(make_incident, manager, admin_client_for):
    incident = make_incident("resolved", actor=manager)
    from tests.conftest import run_transition

    run_transition(incident, "review", manager, follow_up_actions=["Update the {config} page"])

    response = admin_client_for(manager).get(change_url(incident))

    assert response.status_code == 200
    assert "<li>Update the {config} page</li>" in response.content.decode()


@pytest.mark.parametrize("value", [str(2**63), str(10**30)])
def test_assess_form_bounds_integers_to_the_column(value, make_incident, manager, admin_client_for):
    incident = make_incident(actor=manager)

    response = admin_client_for(manager).post(
        transition_url(incident, "assess"),
        {"version": incident.version, "severity": "low", "estimated_reach": value},
    )

    assert response.status_code == 200
    assert "Ensure this value is less than or equal to 9223372036854775807." in (
        response.content.decode()
    )
    incident.refresh_from_db()
    assert incident.status == "detected"


def test_change_form_bounds_integers_to_the_column(make_incident, manager, admin_client_for):
    incident = make_incident("assessed", actor=manager)
    client = admin_client_for(manager)
    form = client.get(change_url(incident)).context["adminform"].form
    data = {**form.initial, "channels": [], "impact": [], "participants": [], "owner": "",
            "scope": "", "estimated_reach": str(2**63), "affected_count": "",
            "expected_version": incident.version}  # fmt: skip

    response = client.post(change_url(incident), data)

    assert response.status_code == 200
    assert "Ensure this value is less than or equal to 9223372036854775807." in (
        response.content.decode()
    )
