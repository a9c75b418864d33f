"""GET /api/v1/incidents/{id}/signals/: newest first, filtered, as visible as the incident."""

from datetime import timedelta

import pytest

from incidents.monitoring.models import Signal
from tests.monitoring.test_ingestion import NOW, at, post, signal


@pytest.fixture
def fed(make_user, client_for, make_incident, responder):
    incident = make_incident("assessed", actor=responder)
    feeder = client_for(make_user("responder"))
    named = {"incident": str(incident.pk)}
    post(
        feeder,
        signal("un", observed_at=at(10), author="@a", language="fr", **named),
        signal("two", observed_at=at(20), author="@b", language="en", platform="reddit", **named),
        signal("trois", observed_at=at(30), author="@a", language="fr", **named),
    )
    return incident


def url(incident):
    return f"/api/v1/incidents/{incident.pk}/signals/"


def test_newest_first_with_every_field(fed, client_for, viewer):
    response = client_for(viewer).get(url(fed))
    assert response.status_code == 200
    results = response.json()["results"]
    assert [s["content"] for s in results] == ["un", "two", "trois"]
    first = results[0]
    assert set(first) == {
        "id", "platform", "observed_at", "content", "url", "external_id", "author", "language",
        "sentiment", "reach", "engagement", "group_key", "cluster", "received_at",
        "received_from",
    }  # fmt: skip
    assert first["received_from"].startswith("responder")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("platform=reddit", ["two"]),
        ("platform=x&platform=reddit", ["un", "two", "trois"]),
        ("author=@a", ["un", "trois"]),
        ("language=en", ["two"]),
        ("language=EN", ["two"]),
        ("observed_after={25}", ["un", "two"]),
        ("observed_before={15}", ["two", "trois"]),
    ],
)
def test_filters(fed, client_for, viewer, query, expected):
    for minutes in (15, 25):  # minutes ago, filled in here: test ids must not depend on time
        moment = (NOW - timedelta(minutes=minutes)).isoformat().replace("+", "%2B")
        query = query.replace(f"{{{minutes}}}", moment)
    response = client_for(viewer).get(f"{url(fed)}?{query}")
    assert response.status_code == 200, response.json()
    assert [s["content"] for s in response.json()["results"]] == expected


@pytest.mark.parametrize(
    "query",
    ["platform=myspace", "observed_after=2026-11-25T10:00:00", "observed_after=yesterday",
     "page_size=0", "cursor=abc", "ordering=content"],
)  # fmt: skip
def test_bad_filters_are_400(fed, client_for, viewer, query):
    response = client_for(viewer).get(f"{url(fed)}?{query}")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"


def test_pages_follow_the_cursor(fed, client_for, viewer):
    client = client_for(viewer)
    first = client.get(f"{url(fed)}?page_size=2").json()
    second = client.get(first["next"]).json()
    assert [s["content"] for s in first["results"] + second["results"]] == ["un", "two", "trois"]


def test_a_confidential_incidents_signals_are_404_for_outsiders(
    fed, client_for, make_user, responder, manager
):
    fed.is_confidential = True
    fed.save(update_fields=["is_confidential"])
    outsider = make_user("responder")
    assert client_for(outsider).get(url(fed)).status_code == 404
    assert client_for(responder).get(url(fed)).status_code == 200
    assert client_for(manager).get(url(fed)).status_code == 200


def test_an_unknown_incident_is_404(client_for, viewer):
    response = client_for(viewer).get(
        "/api/v1/incidents/9b2f0c1e-6a57-4a39-9a51-1f1c8d3c2a10/signals/"
    )
    assert response.status_code == 404
    assert response.json()["detail"]


def test_a_role_without_signals_is_403(make_user, client_for, fed):
    response = client_for(make_user(None)).get(url(fed))
    assert response.status_code == 403


@pytest.mark.parametrize("count", [1, 40])
def test_the_list_takes_a_fixed_number_of_queries(
    make_incident, client_for, viewer, django_assert_num_queries, count
):
    incident = make_incident("assessed")
    Signal.objects.bulk_create(
        Signal(incident=incident, platform="x", observed_at=NOW, content=str(i),
               received_from=incident.created_by)
        for i in range(count)
    )  # fmt: skip
    client = client_for(viewer)
    with django_assert_num_queries(4):  # token, permissions, incident, page
        response = client.get(url(incident))
    assert len(response.json()["results"]) == min(count, 25)


def test_next_links_cover_more_than_a_thousand_tied_rows_once(make_incident, client_for, viewer):
    """1,050 signals observed at the same instant: every one once, then no `next`."""
    incident = make_incident("assessed")
    Signal.objects.bulk_create(
        Signal(incident=incident, platform="x", observed_at=NOW, content=str(i),
               received_from=incident.created_by)
        for i in range(1050)
    )  # fmt: skip
    client, seen, link = client_for(viewer), [], f"{url(incident)}?page_size=100"
    while link:
        page = client.get(link).json()
        seen += [signal["id"] for signal in page["results"]]
        link = page["next"]
        assert len(seen) <= 1050, "the same rows came back"
    assert len(seen) == len(set(seen)) == 1050


def test_a_refused_filter_value_is_quoted_short(fed, client_for, viewer):
    response = client_for(viewer).get(f"{url(fed)}?platform={'y' * 5000}%00")
    assert response.status_code == 400
    [message] = response.json()["errors"]["platform"]
    assert message.startswith("y" * 50 + "… is not one of the values allowed: x, facebook")
    assert len(message) < 300
