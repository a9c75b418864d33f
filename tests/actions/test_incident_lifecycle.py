"""Actions and the incident's lifecycle: resolving records how many are still open, the review's
follow-ups become actions in the review's transaction."""

from unittest import mock

import pytest
from django.urls import reverse

from crisis_api.models import Event
from incidents import services as incident_services
from incidents.actions.models import Action
from tests.actions.conftest import action_url, incident_actions_url
from tests.conftest import TRANSITION_INPUT, run_transition

FOLLOW_UPS = ["Write the refund FAQ", "Add support to the checklist"]
REVIEW = {**TRANSITION_INPUT["review"], "follow_up_actions": FOLLOW_UPS}


@pytest.mark.parametrize("open_actions", [0, 1, 3])
def test_resolving_is_allowed_with_open_actions_and_counts_them(
    open_actions, make_incident, make_action, responder, client_for
):
    incident = make_incident("responding")
    for _ in range(open_actions):
        make_action(incident)
    make_action(incident, status="done")
    make_action(incident, status="cancelled")
    make_action(make_incident("responding"))  # another incident's

    response = client_for(responder).post(
        reverse("incident-resolve", kwargs={"pk": incident.pk}),
        TRANSITION_INPUT["resolve"],
        format="json",
    )

    assert response.status_code == 200
    event = Event.objects.filter(stream=incident.stream, action="incident.resolved").get()
    assert event.data == {"open_actions": open_actions}


def test_the_reviews_follow_ups_become_actions(make_incident, manager, client_for):
    incident = make_incident("resolved", actor=manager)

    response = client_for(manager).post(
        reverse("incident-review", kwargs={"pk": incident.pk}), REVIEW, format="json"
    )

    assert response.status_code == 200
    assert response.json()["actions_summary"]["open"] == 2
    actions = list(Action.objects.filter(incident=incident).order_by("title"))
    assert [(a.title, a.kind, a.status, a.owner, a.from_review, a.created_by) for a in actions] == [
        ("Add support to the checklist", "follow_up", "open", None, True, manager),
        ("Write the refund FAQ", "follow_up", "open", None, True, manager),
    ]
    events = list(Event.objects.filter(stream=incident.stream).order_by("sequence"))[-3:]
    assert [e.action for e in events] == ["incident.reviewed", "action.created", "action.created"]
    by_action = {e.data["action_id"]: e for e in events[1:]}
    for action in actions:
        event = by_action[str(action.pk)]
        assert event.data == {"action_id": str(action.pk), "title": action.title,
                              "from_review": True}  # fmt: skip
        assert event.changes == {
            "status": {"from": None, "to": "open"},
            "kind": {"from": None, "to": "follow_up"},
            "title": {"from": None, "to": action.title},
        }
        assert event.actor == manager


def test_a_follow_up_longer_than_a_title_is_kept_whole_in_the_description(make_incident, manager):
    incident = make_incident("resolved", actor=manager)
    text = "Rewrite the refund policy " + "x" * 400

    run_transition(incident, "review", manager, follow_up_actions=[text])

    action = Action.objects.get(incident=incident)
    assert len(action.title) == 200
    assert action.title.endswith("…")
    assert action.description == text


def test_a_follow_up_title_is_cut_by_characters_even_with_combining_marks(make_incident, manager):
    # Django's Truncator does not count combining marks: "x\u0301" * 250 came out as a title
    # of 399 characters, which PostgreSQL refused (varchar(200)) with a 500.
    incident = make_incident("resolved", actor=manager)
    text = "x\u0301" * 250

    run_transition(incident, "review", manager, follow_up_actions=[text])

    action = Action.objects.get(incident=incident)
    assert len(action.title) == 200
    assert action.title == text[:199] + "…"
    assert action.description == text


def test_follow_ups_are_listed_in_the_reviews_order(make_incident, manager, client_for):
    # They are created at the same instant, so the list's tie-breaker (the id) decides: random
    # ids listed them in a random order.
    incident = make_incident("resolved", actor=manager)
    follow_ups = [f"Follow-up {n}" for n in "ABCDEFGH"]
    run_transition(incident, "review", manager, follow_up_actions=follow_ups)

    response = client_for(manager).get(incident_actions_url(incident))
    newest_first = client_for(manager).get(
        incident_actions_url(incident), {"ordering": "-created_at"}
    )

    assert [a["title"] for a in response.json()["results"]] == follow_ups
    assert [a["title"] for a in newest_first.json()["results"]] == follow_ups[::-1]


def test_a_review_without_follow_ups_creates_no_action(make_incident, manager):
    incident = make_incident("resolved", actor=manager)

    run_transition(incident, "review", manager, follow_up_actions=[])

    assert not Action.objects.filter(incident=incident).exists()


def test_follow_ups_roll_back_with_a_failed_review(make_incident, manager):
    incident = make_incident("resolved", actor=manager)
    events_before = Event.objects.filter(stream=incident.stream).count()

    with (
        mock.patch.object(incident_services, "actions_from_review", side_effect=RuntimeError),
        pytest.raises(RuntimeError),
    ):
        run_transition(incident, "review", manager, follow_up_actions=["Write the FAQ"])

    assert not Action.objects.filter(incident=incident).exists()
    assert Event.objects.filter(stream=incident.stream).count() == events_before
    assert incident_services.Incident.objects.get(pk=incident.pk).status == "resolved"


def test_a_follow_up_is_tracked_like_any_action(make_incident, manager, client_for):
    incident = make_incident("resolved", actor=manager)
    run_transition(incident, "review", manager, **REVIEW)
    action = Action.objects.filter(incident=incident).first()
    client = client_for(manager)

    updated = client.patch(action_url(action), {"owner": manager.username}, format="json")
    done = client.post(action_url(action, "complete"), {}, format="json")

    assert updated.status_code == 200
    assert done.json()["status"] == "done"
    assert [e.action for e in Event.objects.filter(stream=incident.stream)][-2:] == [
        "action.updated",
        "action.completed",
    ]


def test_the_follow_ups_are_listed_in_the_reviews_order(make_incident, manager, client_for):
    incident = make_incident("resolved", actor=manager)
    follow_ups = [f"Follow-up {n}: {word}" for n, word in enumerate("hgfedcba", start=1)]
    client = client_for(manager)

    client.post(
        reverse("incident-review", kwargs={"pk": incident.pk}),
        {**REVIEW, "follow_up_actions": follow_ups},
        format="json",
    )
    response = client.get(reverse("incident-actions", kwargs={"incident_id": incident.pk}))

    assert response.status_code == 200
    assert [action["title"] for action in response.json()["results"]] == follow_ups
