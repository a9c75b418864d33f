"""The lessons search on PostgreSQL: French and English stemming, web-search syntax, and the
GIN index of migration incidents 0012 over the stored document the queries match."""

import pytest
from django.db import connection
from django.urls import reverse

from incidents.models import IncidentReview
from incidents.reviews import selectors
from incidents.reviews.selectors import reviews_matching
from tests.concurrency import POSTGRES_ONLY

pytestmark = POSTGRES_ONLY
URL = reverse("review-search")
OTHER = {
    "title": "Other", "summary": "Outage.", "root_cause": "A bug.", "what_went_well": "Fast fix.",
    "what_went_wrong": "Slow page.", "lessons_learned": "Test the failover.",
    "follow_up_actions": [],
}  # fmt: skip


def references(client, **params):
    response = client.get(URL, params)
    assert response.status_code == 200, response.json()
    return [result["incident"]["reference"] for result in response.json()["results"]]


@pytest.mark.parametrize(
    ("q", "text", "marked"),
    [
        ("excuse", "Nous avons présenté nos excuses aux clients.", "excuses"),
        ("excuses publiques", "Une excuse publique dès la première heure.", "excuse"),
        ("apologize", "We apologized within the hour.", "apologized"),
        ("apologies", "We apologized within the hour.", "apologized"),
        ("rembourser", "Le remboursement des clients lésés, sans attendre.", "remboursement"),
        ('"code of conduct"', "No code of conduct for drivers.", "code"),
    ],
)
def test_stemming_in_french_and_english(q, text, marked, make_review, client_for, viewer):
    found = make_review(what_went_well=text)
    make_review(**OTHER)
    client = client_for(viewer)

    response = client.get(URL, {"q": q})

    assert [r["incident"]["reference"] for r in response.json()["results"]] == [found.reference]
    assert f"<mark>{marked}</mark>" in response.json()["results"][0]["snippet"]


def test_excluded_words_and_or(make_review, client_for, viewer):
    refund = make_review(lessons_learned="Offer a refund.", follow_up_actions=[])
    voucher = make_review(lessons_learned="Offer a voucher.", follow_up_actions=[])
    client = client_for(viewer)

    assert references(client, q="offer -voucher") == [refund.reference]
    assert set(references(client, q="refund or voucher")) == {refund.reference, voucher.reference}


def test_the_index_holds_the_expression_the_search_uses(make_review):
    make_review()
    queryset = reviews_matching(IncidentReview.objects.all(), "excuses")
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a handful of rows: force the choice
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "Bitmap Index Scan on incident_review_document" in plan, plan


def test_the_ranking_is_the_same_whoever_searches(
    make_review, client_for, manager, viewer, monkeypatch
):
    """A manager's search ranks every match alone (incidents.reviews.selectors._best_matches);
    a viewer's checks who may see each one as well: the same order, ranks and ties."""
    from datetime import UTC, datetime, timedelta

    import time_machine

    counts = [1, 2, 1, 3, 1, 2]  # how many times each review says "refund"
    with time_machine.travel(datetime(2026, 11, 1, tzinfo=UTC), tick=False) as clock:
        for n, times in enumerate(counts):
            text = {**OTHER, "title": f"Review {n}", "lessons_learned": "A refund. " * times}
            make_review(**text)
            clock.shift(timedelta(hours=1))
        make_review(**OTHER)

    def ranked(client, **params):
        response = client.get(URL, {"q": "refund", **params})
        assert response.status_code == 200, response.json()
        return [(r["incident"]["title"], r["rank"]) for r in response.json()["results"]]

    as_manager, as_viewer = ranked(client_for(manager)), ranked(client_for(viewer))

    assert as_manager == as_viewer
    # Most occurrences first; among equal ranks, the newest review first.
    assert [title for title, _rank in as_manager] == [
        "Review 3", "Review 5", "Review 1", "Review 4", "Review 2", "Review 0",
    ]  # fmt: skip
    assert as_manager[0][1] > as_manager[1][1] == as_manager[2][1] > as_manager[3][1] > 0
    client = client_for(manager)
    assert ranked(client, page_size=4) + ranked(client, page_size=4, page=2) == as_manager
    # The best are picked before the rows are read: with room for three (and one more, which
    # says whether a page follows), the same four.
    monkeypatch.setattr(selectors, "RANKED_RESULTS", 3)
    assert ranked(client) == as_manager[:4]


def test_a_narrowed_search_skips_what_it_may_not_show_and_still_fills_its_reach(
    make_review, client_for, viewer, monkeypatch
):
    """The viewer's matches are ranked first, then checked in that order (who may see them,
    the filters) until the reach is full: the best ones, confidential and of another
    category, are passed over, and the reach holds as many of the rest as it can."""
    from datetime import UTC, datetime, timedelta

    import time_machine

    with time_machine.travel(datetime(2026, 11, 1, tzinfo=UTC), tick=False) as clock:
        for _ in range(3):  # the best matches, which the viewer may not see
            make_review(**{**OTHER, "lessons_learned": "A refund. " * 5}, confidential=True)
            clock.shift(timedelta(hours=1))
        make_review(**{**OTHER, "title": "Crisis", "lessons_learned": "A refund. " * 4},
                    category="data_leak")  # fmt: skip
        clock.shift(timedelta(hours=1))
        for n, times in enumerate([1, 3, 2, 1]):
            make_review(
                **{**OTHER, "title": f"Review {n}", "lessons_learned": "A refund. " * times}
            )
            clock.shift(timedelta(hours=1))
    monkeypatch.setattr(selectors, "RANKED_RESULTS", 2)
    client = client_for(viewer)

    def titles(**params):
        response = client.get(URL, {"q": "refund", **params})
        assert response.status_code == 200, response.json()
        return [result["incident"]["title"] for result in response.json()["results"]]

    assert titles() == ["Crisis", "Review 1", "Review 2"]
    assert titles(category="other") == ["Review 1", "Review 2", "Review 3"]
    assert titles(category="other", severity="low") == []
