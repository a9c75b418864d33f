"""POST /api/v1/signals/: batches, duplicates, grouping into incidents, events, queries."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.urls import reverse

from crisis_api.models import Event
from incidents.models import Incident
from incidents.monitoring.models import Signal

URL = "/api/v1/signals/"
NOW = datetime.now(UTC).replace(microsecond=0)
CAMPAIGN = (
    "Votre service client est une honte, trois semaines sans réponse à ma réclamation, "
    "je demande un remboursement immédiat"
)


def at(minutes_ago: float) -> str:
    return (NOW - timedelta(minutes=minutes_ago)).isoformat()


def signal(content="Livraison perdue encore une fois, personne ne répond", **fields):
    return {"platform": "x", "observed_at": at(30), "content": content, **fields}


@pytest.fixture
def feed(make_user, client_for):
    user = make_user("monitor")
    return client_for(user), user


def post(client, *signals):
    return client.post(URL, {"signals": list(signals)}, format="json")


# --- Batches, all or nothing -------------------------------------------------------------------


def test_a_batch_opens_an_incident_created_by_the_caller(feed):
    client, user = feed
    response = post(client, signal(author="@marie", external_id="1", reach=1200))

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["received"] == 1 and body["created"] == 1 and body["duplicates"] == 0
    assert body["incidents_opened"] == 1
    [result] = body["results"]
    incident = Incident.objects.get(pk=result["incident"])
    assert result["reference"] == incident.reference and result["status"] == "created"
    assert incident.status == "detected" and incident.created_by == user
    assert incident.channels == ["x"]
    assert incident.title == "X: Livraison perdue encore une fois, personne ne répond"
    assert incident.detected_at == NOW - timedelta(minutes=30)
    stored = Signal.objects.get(pk=result["signal"])
    assert stored.incident == incident and stored.received_from == user


def test_the_events_of_an_opened_incident(feed):
    client, _user = feed
    body = post(client, signal(external_id="1"), signal("Autre chose", external_id="2")).json()
    incident_id = body["results"][0]["incident"]
    actions = list(
        Event.objects.filter(stream=f"incident:{incident_id}").values_list("action", flat=True)
    )
    assert actions[0] == "incident.created" and actions[-1] == "signals.attached"


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"signals": []}, "signals", "Send at least one signal."),
        ({"signals": "x"}, "signals", "Give a JSON array (a list of values)."),
        ({}, "signals", "This field is required."),
        ({"signals": [signal()], "extra": 1}, "extra", "Unknown field"),
    ],
)
def test_batch_shape_errors(feed, payload, field, message):
    response = feed[0].post(URL, payload, format="json")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert message in response.json()["errors"][field][0]


def test_more_than_500_signals_is_a_400_that_says_to_split(feed):
    response = post(feed[0], *[signal(external_id=str(i)) for i in range(501)])
    assert response.status_code == 400
    assert response.json()["errors"]["signals"] == [
        "At most 500 signals per batch; split the batch and send the parts."
    ]
    assert not Signal.objects.exists()


def test_500_signals_are_accepted(feed):
    response = post(feed[0], *[signal(f"post {i}", external_id=str(i)) for i in range(500)])
    assert response.status_code == 200
    assert response.json()["created"] == 500


def test_a_body_over_5_mb_is_a_413_that_says_to_split(feed):
    big = signal("x" * 9_000)
    response = post(feed[0], *[dict(big, external_id=str(i)) for i in range(600)])
    assert response.status_code == 413
    assert "split" in response.json()["detail"]


def test_a_body_over_1_mb_but_under_5_is_fine(feed):
    items = [signal(f"{i} " + "mot " * 2000, external_id=str(i)) for i in range(150)]
    response = post(feed[0], *items)
    assert response.status_code == 200, response.json()


def test_every_bad_item_is_named_by_index_and_field_and_nothing_is_stored(
    make_incident, client_for, responder
):
    reviewed = make_incident("reviewed")
    response = post(
        client_for(responder),
        signal(external_id="ok"),
        signal(observed_at="2026-11-25T10:00:00"),
        {"platform": "myspace", "observed_at": at(1), "content": "x"},
        signal(incident="9b2f0c1e-6a57-4a39-9a51-1f1c8d3c2a10"),
        signal(sentiment=1.5, reach=-1, url="ftp://example.com/x", language="french"),
        signal(incident=str(reviewed.pk)),
        signal(content="   ", raw=[1]),
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == {
        "signals.1.observed_at",
        "signals.2.platform",
        "signals.3.incident",
        "signals.4.sentiment",
        "signals.4.reach",
        "signals.4.url",
        "signals.4.language",
        "signals.5.incident",
        "signals.6.content",
        "signals.6.raw",
    }
    assert errors["signals.3.incident"] == [
        "No incident you may see has this id; leave it out to group the signal automatically."
    ]
    assert "reviewed" in errors["signals.5.incident"][0]
    assert not Signal.objects.exists()
    assert Incident.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("content", 12),
        ("content", "x" * 10_001),
        ("reach", "12"),
        ("reach", 2**63),
        ("engagement", True),
        ("sentiment", "0.5"),
        ("sentiment", True),
        ("observed_at", "2999-01-01T00:00:00Z"),
        ("observed_at", "1999-12-31T00:00:00Z"),
        ("url", "https://" + "a" * 2100 + ".com"),
        ("url", "javascript:alert(1)"),
        ("external_id", "a\nb"),
        ("author", "x" * 201),
        ("group_key", ["k"]),
        ("incident", 5),
        ("incident", "not-a-uuid"),
        ("raw", {"x": "y" * 17_000}),
        ("raw", "text"),
        ("platform", None),
    ],
)
def test_bad_values_are_refused_not_coerced(feed, field, value):
    response = post(feed[0], signal(**{field: value}))
    assert response.status_code == 400, response.json()
    assert f"signals.0.{field}" in response.json()["errors"]


def test_a_language_tag_is_taken_as_its_language(feed):
    body = post(feed[0], signal(language="FR-ca")).json()
    assert Signal.objects.get(pk=body["results"][0]["signal"]).language == "fr"


def test_a_monitor_names_only_the_incidents_it_opened(feed, make_incident):
    """Another's incident answers like an unknown id: a feed cannot probe which ids exist."""
    client, _ = feed
    own = post(client, signal(external_id="own")).json()["results"][0]["incident"]
    public = make_incident("detected")
    unknown = "9b2f0c1e-6a57-4a39-9a51-1f1c8d3c2a10"
    response = post(client, signal(incident=str(public.pk)), signal(incident=unknown))
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors["signals.0.incident"] == errors["signals.1.incident"]
    response = post(client, signal(incident=own, external_id="again"))
    assert response.status_code == 200 and response.json()["results"][0]["incident"] == own


# --- Duplicates ------------------------------------------------------------------------------


def test_same_platform_and_external_id_is_stored_once(feed):
    first = post(feed[0], signal(external_id="42")).json()["results"][0]
    second = post(feed[0], signal("edited text", external_id="42")).json()
    assert second["created"] == 0 and second["duplicates"] == 1
    [result] = second["results"]
    assert result["status"] == "duplicate"
    assert result["signal"] == first["signal"] and result["incident"] == first["incident"]
    assert Signal.objects.count() == 1


def test_the_same_external_id_on_another_platform_is_another_post(feed):
    post(feed[0], signal(external_id="42"))
    body = post(feed[0], signal(external_id="42", platform="facebook")).json()
    assert body["created"] == 1


@pytest.mark.parametrize(
    "variant",
    [
        "http://example.com/post/1",
        "https://EXAMPLE.com/post/1/",
        "https://www.example.com/post/1?utm_source=tw&utm_medium=social",
        "https://example.com:443/post/1?fbclid=abc#comments",
    ],
)
def test_url_variants_are_the_same_post(feed, variant):
    post(feed[0], signal(url="https://example.com/post/1"))
    body = post(feed[0], signal("other text", url=variant, platform="news")).json()
    assert body["duplicates"] == 1, variant


def test_different_query_parameters_are_different_posts(feed):
    post(feed[0], signal(url="https://forum.example.com/viewtopic.php?t=1"))
    body = post(feed[0], signal(url="https://forum.example.com/viewtopic.php?t=2")).json()
    assert body["created"] == 1


def test_duplicates_within_one_batch(feed):
    body = post(
        feed[0],
        signal(external_id="1", url="https://example.com/a"),
        signal(external_id="1"),
        signal(url="https://example.com/a/?utm_campaign=x"),
    ).json()
    assert body["created"] == 1 and body["duplicates"] == 2
    signals = {result["signal"] for result in body["results"]}
    assert len(signals) == 1
    assert [r["status"] for r in body["results"]] == ["created", "duplicate", "duplicate"]


def test_a_duplicate_held_by_an_incident_the_caller_cannot_see_names_no_incident(
    feed, make_user, client_for
):
    client, _ = feed
    first = post(client, signal(external_id="7")).json()["results"][0]
    Incident.objects.filter(pk=first["incident"]).update(is_confidential=True)
    outsider = client_for(make_user("responder"))
    [result] = post(outsider, signal(external_id="7")).json()["results"]
    assert result == {
        "index": 0,
        "status": "duplicate",
        "signal": first["signal"],
        "incident": None,
        "reference": None,
    }


# --- Grouping ----------------------------------------------------------------------------------


def test_a_named_incident_takes_the_signal_and_its_platform(feed, make_incident):
    incident = make_incident("assessed", actor=feed[1], channels=["x"])  # the feed opened it
    version = incident.version
    body = post(feed[0], signal(platform="tiktok", incident=str(incident.pk))).json()
    assert body["incidents_opened"] == 0
    assert body["results"][0]["incident"] == str(incident.pk)
    incident.refresh_from_db()
    assert incident.channels == ["x", "tiktok"]
    assert incident.version == version  # signals are not an edit: If-Match stays valid
    event = Event.objects.filter(stream=incident.stream).last()
    assert event.action == "signals.attached"
    assert event.changes == {"channels": {"from": ["x"], "to": ["x", "tiktok"]}}
    assert event.data["count"] == 1


def test_a_group_key_feeds_its_open_incident_and_opens_a_new_one_once_closed(feed, make_incident):
    client, _user = feed
    first = post(client, signal("one", group_key="alert-1")).json()["results"][0]
    second = post(client, signal("two", group_key="alert-1", platform="reddit")).json()
    assert second["results"][0]["incident"] == first["incident"]
    assert second["incidents_opened"] == 0
    assert Incident.objects.get(pk=first["incident"]).channels == ["x", "reddit"]

    Incident.objects.filter(pk=first["incident"]).update(status="resolved")
    third = post(client, signal("three", group_key="alert-1")).json()
    assert third["incidents_opened"] == 1
    assert third["results"][0]["incident"] != first["incident"]


def test_a_group_key_groups_within_one_batch(feed):
    body = post(
        feed[0],
        signal("one", group_key="k"),
        signal("two", group_key="k", platform="facebook"),
        signal("three", group_key="other"),
    ).json()
    results = body["results"]
    assert body["incidents_opened"] == 2
    assert results[0]["incident"] == results[1]["incident"] != results[2]["incident"]
    incident = Incident.objects.get(pk=results[0]["incident"])
    assert incident.channels == ["x", "facebook"]
    events = Event.objects.filter(stream=incident.stream, action="signals.attached")
    assert [e.data["count"] for e in events] == [2]


def test_near_identical_text_joins_the_open_incident_holding_it(feed):
    client, _ = feed
    first = post(client, signal(CAMPAIGN, author="@a", observed_at=at(120))).json()
    copy = CAMPAIGN.upper().replace("trois", "quatre") + " 😡 #boycott https://t.co/x"
    second = post(client, signal(copy, author="@b", platform="facebook", observed_at=at(60)))
    assert second.json()["results"][0]["incident"] == first["results"][0]["incident"]
    assert second.json()["incidents_opened"] == 0
    a, b = Signal.objects.order_by("observed_at")
    assert a.cluster_id == b.cluster_id is not None


def test_near_identical_text_within_one_batch(feed):
    body = post(
        feed[0],
        signal(CAMPAIGN, author="@a"),
        signal(CAMPAIGN + " !!!", author="@b"),
        signal("Un tout autre sujet sans rapport avec le précédent message", author="@c"),
    ).json()
    results = body["results"]
    assert results[0]["incident"] == results[1]["incident"] != results[2]["incident"]


def test_a_copy_older_than_72_hours_opens_a_new_incident(feed):
    client, _ = feed
    first = post(client, signal(CAMPAIGN, observed_at=at(73 * 60))).json()
    second = post(client, signal(CAMPAIGN, author="@b", observed_at=at(0))).json()
    assert second["incidents_opened"] == 1
    assert second["results"][0]["incident"] != first["results"][0]["incident"]


def test_a_copy_held_only_by_a_closed_incident_opens_a_new_one(feed):
    client, _ = feed
    first = post(client, signal(CAMPAIGN)).json()["results"][0]
    Incident.objects.filter(pk=first["incident"]).update(status="resolved")
    second = post(client, signal(CAMPAIGN, author="@b")).json()
    assert second["incidents_opened"] == 1


def test_a_group_key_wins_over_near_identical_text(feed):
    client, _ = feed
    first = post(client, signal(CAMPAIGN)).json()["results"][0]
    second = post(client, signal(CAMPAIGN, author="@b", group_key="alert-9")).json()
    assert second["results"][0]["incident"] != first["incident"]


def test_signals_do_not_change_the_incident_version_or_break_if_match(
    feed, make_incident, client_for, responder
):
    incident = make_incident("assessed", actor=feed[1])
    post(feed[0], signal(incident=str(incident.pk)))
    response = client_for(responder).patch(
        reverse("incident-detail", kwargs={"pk": incident.pk}),
        {"title": "New title"},
        format="json",
        HTTP_IF_MATCH=f'"{incident.version}"',
    )
    assert response.status_code == 200, response.json()


def test_responders_and_managers_may_post_viewers_may_not(make_user, client_for):
    for role, expected in [("responder", 200), ("manager", 200), ("viewer", 403)]:
        response = post(client_for(make_user(role)), signal(f"from {role}"))
        assert response.status_code == expected, role
    response = post(client_for(make_user(None)), signal())
    assert response.status_code == 403


def test_anonymous_is_401(client):
    response = client.post(URL, {"signals": [signal()]}, content_type="application/json")
    assert response.status_code == 401


# --- Queries -----------------------------------------------------------------------------------


def _batch(n, prefix, **fields):
    text = "message numéro {} à propos de la livraison"
    return [
        signal(f"{prefix} {text.format(i)}", external_id=f"{prefix}{i}", author=f"@u{i}", **fields)
        for i in range(n)
    ]


def _queries(client, signals, django_assert_max_num_queries, limit):
    with django_assert_max_num_queries(limit) as context:
        response = post(client, *signals)
    assert response.status_code == 200, response.json()
    return len(context.captured_queries)


def test_ingestion_into_an_incident_costs_the_same_queries_for_1_or_many_signals(
    feed, make_incident, django_assert_max_num_queries
):
    """SQLite splits an insert every 999 parameters; PostgreSQL takes 500 signals in one."""
    client, user = feed
    incident = make_incident("assessed", actor=user)
    named = {"incident": str(incident.pk)}
    post(client, signal(external_id="warm-up", **named))
    one = _queries(client, _batch(1, "a", **named), django_assert_max_num_queries, 26)
    many = 500 if connection.vendor == "postgresql" else 50
    assert _queries(client, _batch(many, "b", **named), django_assert_max_num_queries, 26) == one


def test_each_incident_opened_costs_a_fixed_number_of_queries(feed, django_assert_max_num_queries):
    client, _ = feed
    one = _queries(client, _batch(1, "a", group_key="k1"), django_assert_max_num_queries, 50)
    keys = [dict(s, group_key=f"key{i % 3}") for i, s in enumerate(_batch(30, "b"))]
    three = _queries(client, keys, django_assert_max_num_queries, 120)
    per_incident = (three - one) / 2
    assert per_incident == int(per_incident) and per_incident <= 30, (one, three)


# --- Found by trying to break it -----------------------------------------------------------


def test_a_copy_observed_just_before_a_stored_one_joins_its_incident(feed):
    """Tools deliver out of order: the window runs both ways."""
    client, _ = feed
    first = post(client, signal(CAMPAIGN, author="@a", observed_at=at(60))).json()
    second = post(client, signal(CAMPAIGN, author="@b", observed_at=at(61))).json()
    assert second["results"][0]["incident"] == first["results"][0]["incident"]
    both = post(
        client,
        signal(CAMPAIGN + " encore", author="@c", observed_at=at(5)),
        signal(CAMPAIGN + " encore", author="@d", observed_at=at(300)),
    ).json()
    assert both["results"][0]["incident"] == both["results"][1]["incident"]


def test_grouping_into_a_confidential_incident_names_no_incident_to_an_outsider(
    make_incident, make_user, client_for
):
    manager = make_user("manager")
    secret = make_incident("detected", actor=manager, is_confidential=True)
    post(client_for(manager), signal(CAMPAIGN, incident=str(secret.pk)))
    outsider = client_for(make_user("responder"))
    body = post(outsider, signal(CAMPAIGN + " !", author="@x", group_key="")).json()
    [result] = body["results"]
    assert result["status"] == "created"
    assert result["incident"] is None and result["reference"] is None
    stored = Signal.objects.get(pk=result["signal"])
    assert stored.incident_id == secret.pk  # the evidence goes where it belongs


def test_a_title_made_from_a_signal_is_one_clean_line(feed):
    content = "Bell \x07 escape \x1b[31mRED\u202e reversed\nsecond line\ttab"
    body = post(feed[0], signal(content)).json()
    title = Incident.objects.get(pk=body["results"][0]["incident"]).title
    assert title == "X: Bell escape [31mRED reversed second line tab"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("url", "https://example.com:99999/a"),
        ("url", "https://example.com:0/a"),
        ("raw", {"a": "x\x00y"}),
        ("raw", {"a\x00": 1}),
        ("reach", 10**12 + 1),
        ("engagement", 2**63 - 1),
        ("content", "\u200b \u200b"),
    ],
)
def test_more_values_that_are_refused(feed, field, value):
    response = post(feed[0], signal(**{field: value}))
    assert response.status_code == 400, response.json()
    assert f"signals.0.{field}" in response.json()["errors"]


def test_half_a_surrogate_pair_is_refused_everywhere(feed, client_for, responder):
    item = b'{"platform": "x", "observed_at": "2026-11-25T10:00:00Z", "content": "a\\ud800"}'
    body = b'{"signals": [' + item + b"]}"
    response = feed[0].generic("POST", URL, body, content_type="application/json")
    assert response.status_code == 400
    assert "surrogate" in response.json()["detail"]
    response = client_for(responder).generic(
        "POST",
        "/api/v1/incidents/",
        b'{"\\udc00": 1, "title": "x"}',
        content_type="application/json",
    )
    assert response.status_code == 400
    whole_pair = b'{"title": "emoji \\ud83d\\ude00"}'
    response = client_for(responder).generic(
        "POST", "/api/v1/incidents/", whole_pair, content_type="application/json"
    )
    assert response.status_code == 201 and response.json()["title"] == "emoji \U0001f600"


def test_a_group_key_sent_with_a_named_incident_feeds_it_from_then_on(feed):
    client, _ = feed
    opened = post(client, signal("one", external_id="g1")).json()["results"][0]["incident"]
    post(client, signal("two", external_id="g2", incident=opened, group_key="alert-5"))
    body = post(client, signal("three", external_id="g3", group_key="alert-5")).json()
    assert body["incidents_opened"] == 0
    assert body["results"][0]["incident"] == opened


@pytest.mark.parametrize("number", ["1e999", "-1e999", "[1e400]"])
def test_a_number_that_overflows_is_refused_before_anything(feed, number):
    item = (
        '{"platform": "x", "observed_at": "2026-11-25T10:00:00Z", "content": "a", '
        f'"raw": {{"a": {number}}}}}'
    )
    body = '{"signals": [' + item + "]}"
    response = feed[0].generic("POST", URL, body, content_type="application/json")
    assert response.status_code == 400, response.content
    assert "Infinity" in response.json()["detail"]


@pytest.mark.parametrize("content", ["\u3164\u115f", "\u2800", "\u200b\u2060"])
def test_content_that_shows_nothing_is_refused(feed, content):
    response = post(feed[0], signal(content))
    assert response.status_code == 400
    assert response.json()["errors"]["signals.0.content"] == [
        "Give the text of the post; it is empty."
    ]


# --- Retries ---------------------------------------------------------------------------------


def test_a_batch_that_keeps_losing_races_is_a_503_saying_to_send_it_again(feed, monkeypatch):
    from incidents.monitoring import services

    def always_lost(actor, signals):
        raise services._LostRace

    monkeypatch.setattr(services, "_ingest", always_lost)
    monkeypatch.setattr(services.time, "sleep", lambda seconds: None)
    response = post(feed[0], signal())
    assert response.status_code == 503
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["detail"] == (
        "Other batches kept storing the same signals at the same moment; send this one again."
    )
    assert not Signal.objects.exists()


def test_a_deadlock_starts_the_batch_again_and_other_errors_do_not(feed, monkeypatch):
    from django.db import OperationalError

    from incidents.monitoring import services

    class Deadlock(Exception):
        sqlstate = "40P01"

    real, calls = services._ingest, []

    def deadlock_once(actor, signals):
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("deadlock detected") from Deadlock()
        return real(actor, signals)

    monkeypatch.setattr(services, "_ingest", deadlock_once)
    monkeypatch.setattr(services.time, "sleep", lambda seconds: None)
    response = post(feed[0], signal())
    assert response.status_code == 200 and response.json()["created"] == 1
    assert len(calls) == 2

    def broken(actor, signals):
        raise OperationalError("disk full")

    monkeypatch.setattr(services, "_ingest", broken)
    with pytest.raises(OperationalError):
        services.signals_ingest(actor=feed[1], signals=[])
