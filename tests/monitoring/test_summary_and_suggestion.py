"""The signals summary and the assessment suggestion, on known sets of signals."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from incidents.models import Incident
from incidents.monitoring.services import signals_ingest

NOW = datetime(2026, 11, 25, 12, 30, tzinfo=UTC)
CAMPAIGN = (
    "Cette marque trompe ses clients depuis des années, boycottez-la et partagez ce message "
    "partout autour de vous"
)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def feeder(make_user):
    return make_user("monitor")


def feed(feeder, incident, *signals):
    items = []
    for i, fields in enumerate(signals):
        minutes = fields.pop("minutes_ago", 10)
        items.append(
            {"platform": "x", "content": f"message {i}", **fields,
             "observed_at": NOW - timedelta(minutes=minutes), "incident": incident}
        )  # fmt: skip
    return signals_ingest(actor=feeder, signals=items)


def get(client, incident, what):
    path = "signals/summary/" if what == "summary" else "assessment-suggestion/"
    response = client.get(f"/api/v1/incidents/{incident.pk}/{path}")
    assert response.status_code == 200, response.json()
    return response.json()


def test_the_summary_of_a_known_set(make_incident, feeder, client_for, viewer):
    incident = make_incident("assessed")
    feed(
        feeder, incident,
        {"author": "@a", "reach": 100, "engagement": 5, "sentiment": -0.9, "language": "fr",
         "content": CAMPAIGN, "minutes_ago": 30},
        {"author": "@b", "reach": 300, "engagement": 1, "sentiment": -0.5, "language": "fr",
         "content": CAMPAIGN + " !!", "minutes_ago": 35},
        {"author": "@a", "reach": 50, "sentiment": 0.4, "language": "en", "platform": "reddit",
         "minutes_ago": 90},
        {"author": "", "minutes_ago": 60 * 50},
    )  # fmt: skip
    body = get(client_for(viewer), incident, "summary")
    assert body["count"] == 4 and body["authors"] == 2
    assert body["reach"] == 450 and body["engagement"] == 6
    assert body["platforms"] == {"x": 3, "reddit": 1}
    assert body["languages"] == {"fr": 2, "en": 1}
    assert body["first_observed_at"] == "2026-11-23T10:30:00Z"
    assert body["last_observed_at"] == "2026-11-25T12:00:00Z"
    assert body["peak_hour"] == {"start": "2026-11-25T11:00:00Z", "count": 2}
    assert len(body["per_hour"]) == 48
    assert body["per_hour"][0]["start"] == "2026-11-23T13:00:00Z"
    assert body["per_hour"][-1] == {"start": "2026-11-25T12:00:00Z", "count": 1}
    assert body["per_hour"][-2] == {"start": "2026-11-25T11:00:00Z", "count": 2}
    assert body["negative_share"] == pytest.approx(2 / 3, abs=1e-4)
    assert body["near_duplicate_share"] == 0.5  # the two copies, by two authors
    assert body["top_authors"] == [
        {"author": "@a", "signals": 2, "reach": 150},
        {"author": "@b", "signals": 1, "reach": 300},
    ]


def test_the_summary_of_no_signals(make_incident, client_for, viewer):
    body = get(client_for(viewer), make_incident("detected"), "summary")
    assert body["count"] == 0 and body["peak_hour"] is None
    assert body["negative_share"] is None and body["near_duplicate_share"] is None
    assert body["platforms"] == {} and body["top_authors"] == []
    assert sum(hour["count"] for hour in body["per_hour"]) == 0


def test_a_coordinated_campaign(make_incident, feeder, client_for, viewer):
    incident = make_incident("detected")
    copies = [
        {"author": f"@bot{i}", "content": CAMPAIGN.replace("partout", "partout" + "!" * i),
         "minutes_ago": 100 - i * 5, "reach": 1000}
        for i in range(14)
    ]  # fmt: skip
    copies += [{"author": f"@p{i}", "content": f"Avis personnel numéro {i}"} for i in range(3)]
    feed(feeder, incident, *copies)
    body = get(client_for(viewer), incident, "suggestion")
    assert body["scope"] == "coordinated" and body["severity"] == "high"
    assert body["reasons"][0] == {
        "code": "coordinated",
        "message": "14 distinct authors posted near-identical text within 120 minutes; that "
        "text is 82% of the 17 signals.",
    }
    burst = body["figures"]["largest_copy_burst"]
    assert burst["authors"] == 14 and burst["signals"] == 14


def test_nine_authors_are_not_a_campaign(make_incident, feeder, client_for, viewer):
    incident = make_incident("detected")
    feed(feeder, incident, *[{"author": f"@bot{i}", "content": CAMPAIGN} for i in range(9)])
    body = get(client_for(viewer), incident, "suggestion")
    assert body["scope"] == "isolated"


def test_copies_spread_over_more_than_two_hours_are_not_a_campaign(
    make_incident, feeder, client_for, viewer
):
    incident = make_incident("detected")
    feed(
        feeder, incident,
        *[{"author": f"@p{i}", "content": CAMPAIGN, "minutes_ago": 60 + i * 30} for i in range(12)],
    )  # fmt: skip
    body = get(client_for(viewer), incident, "suggestion")
    assert body["scope"] != "coordinated"
    assert body["figures"]["largest_copy_burst"]["authors"] == 5  # at most 5 in any 2 hours


def test_a_spreading_story_on_three_platforms(make_incident, feeder, client_for, viewer):
    incident = make_incident("detected")
    feed(
        feeder, incident,
        {"platform": "x", "author": "@a", "reach": 20_000},
        {"platform": "news", "author": "@journal"},
        {"platform": "reddit", "author": "@r"},
    )  # fmt: skip
    body = get(client_for(viewer), incident, "suggestion")
    assert body["scope"] == "spreading" and body["severity"] == "medium"
    assert [r["code"] for r in body["reasons"]] == ["many_platforms", "reach"]
    assert body["reasons"][1]["message"] == "A total reach of 20,000 people."


def test_a_spreading_story_that_grows(make_incident, feeder, client_for, viewer):
    incident = make_incident("detected")
    recent = [{"author": f"@n{i}", "minutes_ago": 5 + i} for i in range(20)]
    older = [{"author": f"@o{i}", "minutes_ago": 70 + i} for i in range(10)]
    feed(feeder, incident, *recent, *older)
    body = get(client_for(viewer), incident, "suggestion")
    assert body["scope"] == "spreading"
    assert body["reasons"][0] == {
        "code": "growing",
        "message": "20 signals in the last 60 minutes against 10 in the 60 minutes before: "
        "it is growing.",
    }
    assert (body["figures"]["last_hour"], body["figures"]["previous_hour"]) == (20, 10)


def test_nineteen_in_the_last_hour_is_not_growth(make_incident, feeder, client_for, viewer):
    incident = make_incident("detected")
    feed(feeder, incident, *[{"author": "@n", "minutes_ago": 5 + i} for i in range(19)])
    assert get(client_for(viewer), incident, "suggestion")["scope"] == "isolated"


def test_an_isolated_complaint(make_incident, feeder, client_for, viewer):
    incident = make_incident("detected")
    feed(feeder, incident, {"author": "@client", "reach": 300}, {"author": "@client"})
    body = get(client_for(viewer), incident, "suggestion")
    assert body["scope"] == "isolated" and body["severity"] == "low"
    assert body["reasons"][0]["code"] == "isolated"


@pytest.mark.parametrize(
    ("reach", "severity"),
    [(9_999, "low"), (10_000, "medium"), (99_999, "medium"), (100_000, "high"),
     (999_999, "high"), (1_000_000, "critical")],
)  # fmt: skip
def test_severity_by_reach(make_incident, feeder, client_for, viewer, reach, severity):
    incident = make_incident("detected")
    feed(feeder, incident, {"author": "@a", "reach": reach})
    assert get(client_for(viewer), incident, "suggestion")["severity"] == severity


def test_mostly_negative_signals_are_high(make_incident, feeder, client_for, viewer):
    incident = make_incident("detected")
    negative = [{"author": f"@n{i}", "sentiment": -0.8, "minutes_ago": 200} for i in range(35)]
    neutral = [{"author": f"@m{i}", "sentiment": 0.1, "minutes_ago": 200} for i in range(15)]
    feed(feeder, incident, *negative, *neutral)
    body = get(client_for(viewer), incident, "suggestion")
    assert body["severity"] == "high"
    assert body["reasons"][-1]["message"] == "70% of the 50 signals with a sentiment are negative."


def test_a_data_leak_is_never_below_high(make_incident, feeder, client_for, viewer):
    incident = make_incident("detected", category="data_leak")
    body = get(client_for(viewer), incident, "suggestion")
    assert body == {
        "scope": None,
        "severity": "high",
        "reasons": [
            {"code": "no_signals", "message": "No signals yet: nothing to go on."},
            {"code": "floor_data_leak", "message": "A data leak is never suggested below high."},
        ],
        "figures": {"signals": 0, "authors": 0, "reach": 0, "platforms": 0, "last_hour": 0,
                    "previous_hour": 0, "with_sentiment": 0, "negative_share": None,
                    "largest_copy_burst": None},
    }  # fmt: skip
    feed(feeder, incident, {"author": "@a"})
    assert get(client_for(viewer), incident, "suggestion")["severity"] == "high"


def test_no_signals_suggests_nothing(make_incident, client_for, viewer):
    body = get(client_for(viewer), make_incident("detected"), "suggestion")
    assert body["scope"] is None and body["severity"] is None
    assert [r["code"] for r in body["reasons"]] == ["no_signals"]


def test_reasons_in_french(make_incident, feeder, client_for, viewer):
    incident = make_incident("detected")
    feed(feeder, incident, {"author": "@a", "reach": 20_000})
    response = client_for(viewer).get(
        f"/api/v1/incidents/{incident.pk}/assessment-suggestion/", HTTP_ACCEPT_LANGUAGE="fr"
    )
    reasons = response.json()["reasons"]
    assert reasons[-1]["message"] == "Une audience totale de 20\xa0000 personnes."


def test_confidential_summaries_are_404_for_outsiders(make_incident, make_user, client_for):
    incident = make_incident("detected", is_confidential=True)
    outsider = client_for(make_user("responder"))
    for path in ("signals/summary/", "assessment-suggestion/"):
        response = outsider.get(f"/api/v1/incidents/{incident.pk}/{path}")
        assert response.status_code == 404


@pytest.mark.parametrize("count", [1, 60])
def test_summary_and_suggestion_queries_are_fixed(
    make_incident,
    feeder,
    client_for,
    viewer,
    django_assert_num_queries,
    django_assert_max_num_queries,
    count,
):
    """Token, permissions and incident, then 4 aggregates; the suggestion adds the recent
    counts and the campaign check (candidates, hourly bounds, at most two reads of rows)."""
    incident = make_incident("detected")
    feed(feeder, incident, *[{"author": f"@a{i % 12}", "content": CAMPAIGN} for i in range(count)])
    client = client_for(viewer)
    with django_assert_num_queries(3 + 4):
        get(client, incident, "summary")
    with django_assert_max_num_queries(3 + 4 + 5):
        get(client, incident, "suggestion")


def test_nothing_is_applied(make_incident, feeder, client_for, viewer):
    incident = make_incident("detected")
    feed(feeder, incident, {"author": "@a", "reach": 2_000_000})
    get(client_for(viewer), incident, "suggestion")
    incident = Incident.objects.get(pk=incident.pk)
    assert incident.severity == "" and incident.status == "detected"


def test_a_campaign_is_found_beyond_the_busiest_hours(make_incident, feeder, client_for, viewer):
    """The busiest three hours hold one noisy author; the campaign is ten authors later on."""
    incident = make_incident("detected")
    spam = [{"author": "@spam", "content": CAMPAIGN, "minutes_ago": 600 + i} for i in range(40)]
    spam += [{"author": "@other", "content": CAMPAIGN, "minutes_ago": 650}]
    burst = [{"author": f"@c{i}", "content": CAMPAIGN, "minutes_ago": 30 + i} for i in range(10)]
    feed(feeder, incident, *spam, *burst)
    body = get(client_for(viewer), incident, "suggestion")
    assert body["scope"] == "coordinated"
    assert body["figures"]["largest_copy_burst"]["authors"] == 10
