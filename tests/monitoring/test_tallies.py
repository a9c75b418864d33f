"""The tallies the summary reads add up to what the signals say, however they arrived."""

import random
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from django.db.models import Count, Max, Min, Q, Sum

from incidents.monitoring import selectors
from incidents.monitoring.models import Signal
from incidents.monitoring.services import signals_ingest

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
TEXTS = [
    "Le service client ne répond plus depuis trois semaines malgré mes relances",
    "This brand leaked customer data and still refuses to say anything about it",
    "Livraison reçue cassée, emballage déchiré, aucune réponse du vendeur",
]
AUTHORS = ["@Zoé", "@alice", "@Bob", "@bob", "@émile", ""]


def brute_force(incident):
    """The summary's figures computed from the signals themselves."""
    signals = Signal.objects.filter(incident=incident)
    totals = signals.aggregate(
        count=Count("id"), reach=Sum("reach"), engagement=Sum("engagement"),
        first=Min("observed_at"), last=Max("observed_at"),
        rated=Count("id", filter=Q(sentiment__isnull=False)),
        negative=Count("id", filter=Q(sentiment__lt=-0.25)),
    )  # fmt: skip
    rows = list(signals.values_list("cluster_id", "author", "platform", "language"))
    people = {}
    for cluster, author, _platform, _language in rows:
        if cluster and author:
            people.setdefault(cluster, set()).add(author)
    copied = sum(1 for cluster, author, *_ in rows if author and len(people.get(cluster, ())) > 1)
    by_author = Counter(author for _c, author, *_ in rows if author)
    return {
        "count": totals["count"],
        "reach": totals["reach"] or 0,
        "engagement": totals["engagement"] or 0,
        "first": totals["first"],
        "last": totals["last"],
        "negative_share": round(totals["negative"] / totals["rated"], 4),
        "near_duplicate_share": round(copied / totals["count"], 4),
        "authors": len(by_author),
        "platforms": dict(Counter(platform for _c, _a, platform, _l in rows)),
        "languages": dict(Counter(language for *_r, language in rows if language)),
    }


@pytest.mark.parametrize("seed", [1, 2])
def test_tallies_match_the_signals(make_incident, make_user, seed):
    rng = random.Random(seed)
    incident = make_incident("detected")
    feeder = make_user("monitor")
    for batch in range(6):
        items = []
        for i in range(40):
            text = rng.choice(TEXTS) + " " + rng.choice(["", "!", "!!", "#honte"])
            items.append(
                {
                    "platform": rng.choice(["x", "facebook", "news"]),
                    "observed_at": NOW - timedelta(minutes=rng.randint(0, 3000)),
                    "content": text if rng.random() < 0.7 else f"autre message {batch}-{i}",
                    "author": rng.choice(AUTHORS),
                    "language": rng.choice(["fr", "en", ""]),
                    "sentiment": rng.choice([None, -0.9, -0.3, -0.25, 0.5]),
                    "reach": rng.choice([None, 0, 10, 10**6]),
                    "engagement": rng.choice([None, 3]),
                    "incident": incident,
                }
            )
        signals_ingest(actor=feeder, signals=items)
    summary = selectors.signals_summary(incident=incident, now=NOW)
    expected = brute_force(incident)
    assert summary.count == expected["count"] == 240
    assert summary.reach == expected["reach"] and summary.engagement == expected["engagement"]
    assert (summary.first_observed_at, summary.last_observed_at) == (
        expected["first"],
        expected["last"],
    )
    assert summary.negative_share == expected["negative_share"]
    assert summary.near_duplicate_share == expected["near_duplicate_share"]
    assert summary.authors == expected["authors"]
    assert summary.platforms == expected["platforms"]
    assert summary.languages == expected["languages"]
    incident.refresh_from_db()  # the totals the team's figures sum
    assert (incident.signal_count, incident.signal_reach) == (240, expected["reach"])
    assert summary.top_authors[0]["signals"] == max(
        Counter(a for a in Signal.objects.values_list("author", flat=True) if a).values()
    )


def test_the_migration_backfills_the_tallies(make_incident, make_user):
    """Signals stored before the tallies existed are counted once the migration has run."""
    from importlib import import_module
    from types import SimpleNamespace

    from django.apps import apps
    from django.db import connection

    from incidents.monitoring.models import SignalAuthorTally, SignalClusterTally, SignalTally

    incident = make_incident("detected")
    feeder = make_user("monitor")
    items = [
        {"platform": "x", "observed_at": NOW - timedelta(minutes=i), "content": TEXTS[0],
         "author": f"@a{i % 3}", "reach": 5, "incident": incident}
        for i in range(9)
    ]  # fmt: skip
    signals_ingest(actor=feeder, signals=items)
    before = selectors.signals_summary(incident=incident, now=NOW)
    for model in (SignalTally, SignalAuthorTally, SignalClusterTally):
        model.objects.all().delete()
    migration = import_module("incidents.monitoring.migrations.0002_signal_tallies")
    migration.backfill(apps, SimpleNamespace(connection=connection))  # what it reads of it
    after = selectors.signals_summary(incident=incident, now=NOW)
    assert after == before and after.count == 9 and after.near_duplicate_share == 1.0


def test_the_migration_backfills_each_incidents_totals(make_incident, make_user):
    """Incidents fed before their totals existed add up their tallies once it has run."""
    from importlib import import_module

    from django.apps import apps

    from incidents.models import Incident

    fed, other, quiet = (make_incident("detected") for _ in range(3))
    feeder = make_user("monitor")
    items = [
        {"platform": "x", "observed_at": NOW - timedelta(hours=i), "content": f"{TEXTS[1]} {i}",
         "reach": 10**6 if i else None, "incident": incident}
        for incident, count in ((fed, 5), (other, 2))
        for i in range(count)
    ]  # fmt: skip
    signals_ingest(actor=feeder, signals=items)
    totals = dict(Incident.objects.values_list("pk", "signal_count"))
    assert (totals[fed.pk], totals[other.pk], totals[quiet.pk]) == (5, 2, 0)
    Incident.objects.update(signal_count=0, signal_reach=0)
    migration = import_module("incidents.monitoring.migrations.0003_incident_signal_totals")
    migration.backfill(apps, None)
    after = {pk: (count, reach) for pk, count, reach in
             Incident.objects.values_list("pk", "signal_count", "signal_reach")}  # fmt: skip
    assert after == {fed.pk: (5, 4 * 10**6), other.pk: (2, 10**6), quiet.pk: (0, 0)}
