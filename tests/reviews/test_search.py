"""`GET /api/v1/reviews/`: the lessons search, its filters, snippets, pages and visibility."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

URL = reverse("review-search")
INVALID = "The request is invalid; see `errors` for what to fix in each field."
NO_ROLE = "Your account has no role; ask a manager to give you one."


def search(client, **params):
    response = client.get(URL, params)
    assert response.status_code == 200, response.json()
    return response.json()


def references(body):
    return [result["incident"]["reference"] for result in body["results"]]


def test_without_q_the_newest_first_with_every_field(make_review, client_for, viewer):
    with time_machine.travel(datetime(2026, 11, 1, tzinfo=UTC), tick=False) as clock:
        older = make_review(title="Older", category="defamation", severity="medium")
        clock.shift(timedelta(days=2))
        newer = make_review(title="Newer", lessons_learned="Brief support first.")

    body = search(client_for(viewer))

    assert references(body) == [newer.reference, older.reference]
    assert body["next"] is None and body["previous"] is None
    result = body["results"][0]
    assert result["incident"] == {
        "id": str(newer.pk), "reference": newer.reference, "title": "Newer",
        "severity": "high", "category": "other",
    }  # fmt: skip
    assert result["lessons_learned"] == "Brief support first."
    assert result["follow_up_actions"] == ["Code of conduct in every subcontract"]
    assert result["reviewed_at"] == "2026-11-03T00:00:00Z"
    assert result["reviewed_by"] == newer.review_record.reviewed_by.username
    assert result["metrics"]["seconds_to_resolution"] == 0
    assert (result["rank"], result["snippet"]) == (None, None)


def test_q_finds_and_ranks_by_relevance(make_review, client_for, viewer):
    make_review(title="Unrelated", summary="Outage.", root_cause="A bug.",
                what_went_well="Fast fix.", what_went_wrong="Slow status page.",
                lessons_learned="Test the failover.", follow_up_actions=[])  # fmt: skip
    once = make_review(title="Once", lessons_learned="Offer a refund early.")
    twice = make_review(
        title="Twice", summary="Refund backlash.", lessons_learned="Offer a refund early."
    )

    body = search(client_for(viewer), q="refund")

    assert references(body) == [twice.reference, once.reference]
    assert body["results"][0]["rank"] > body["results"][1]["rank"] > 0
    assert "<mark>refund</mark>" in body["results"][1]["snippet"].lower()


def test_every_word_must_match(make_review, client_for, viewer):
    both = make_review(lessons_learned="Offer a refund and a voucher.")
    make_review(lessons_learned="Offer a refund.")

    assert references(search(client_for(viewer), q="refund voucher")) == [both.reference]


@pytest.mark.parametrize(
    "field", ["summary", "root_cause", "what_went_well", "what_went_wrong", "lessons_learned"]
)
def test_each_text_field_is_searched(field, make_review, client_for, viewer):
    found = make_review(**{field: "The hashtag boycott trended."})

    assert references(search(client_for(viewer), q="boycott")) == [found.reference]


def test_follow_ups_are_searched(make_review, client_for, viewer):
    found = make_review(follow_up_actions=["Révoquer les accès au départ", "Write the FAQ"])

    assert references(search(client_for(viewer), q="révoquer")) == [found.reference]
    assert references(search(client_for(viewer), q="FAQ")) == [found.reference]


def test_the_snippet_escapes_everything_but_the_marks(make_review, client_for, viewer):
    make_review(
        summary="Refund: R&D said <script>alert(1)</script> & <b>more</b>.",
        root_cause="&lt;i&gt; is not markup here.",
    )

    snippet = search(client_for(viewer), q="refund")["results"][0]["snippet"]

    assert "<mark>refund</mark>" in snippet.lower()
    assert "<script" not in snippet and "<b>" not in snippet
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in snippet
    assert "R&amp;D" in snippet and "&lt;/script&gt; &amp; &lt;b&gt;more&lt;/b&gt;" in snippet
    assert "&amp;lt;i&amp;gt;" in snippet  # shown as typed, not as an <i>
    assert snippet.replace("<mark>", "").replace("</mark>", "").count("<") == 0


def test_sentinel_characters_in_the_text_cannot_forge_marks(make_review, client_for, viewer):
    make_review(summary="Refund \x02forged\x03 and \x03 stray \x02 sentinels.")

    snippet = search(client_for(viewer), q="refund")["results"][0]["snippet"]

    assert snippet.count("<mark>") == snippet.count("</mark>") == 1
    assert "\x02" not in snippet and "\x03" not in snippet


@pytest.mark.parametrize("q", ['"unclosed', "a -b or c", "&|!():*", "'; drop table x; --", "  "])
def test_any_query_syntax_is_answered(q, make_review, client_for, viewer):
    make_review()

    search(client_for(viewer), q=q)


def test_filters(make_review, client_for, viewer):
    with time_machine.travel(datetime(2026, 11, 1, tzinfo=UTC), tick=False) as clock:
        leak = make_review(category="data_leak", severity="critical")
        clock.shift(timedelta(days=10))
        rumour = make_review(category="misinformation", severity="medium")
    client = client_for(viewer)

    assert references(search(client, category="data_leak")) == [leak.reference]
    assert references(search(client, severity=["medium", "low"])) == [rumour.reference]
    assert references(search(client, reviewed_after="2026-11-05T00:00:00+01:00")) == [
        rumour.reference
    ]
    assert references(search(client, reviewed_before="2026-11-05T00:00:00Z")) == [leak.reference]
    assert references(
        search(client, reviewed_after="2026-10-01T00:00:00Z", reviewed_before="2026-12-01T00:00Z")
    ) == [rumour.reference, leak.reference]


@pytest.mark.parametrize(
    ("params", "errors"),
    [
        ({"category": "nope"}, {"category": [
            "nope is not one of the values allowed: social_media_backlash, data_leak, "
            "defamation, misinformation, product_or_service_failure, conduct, "
            "customer_complaint, other."]}),
        # A % in the value is quoted as given (it was formatted twice: a 500, or %% shown as %).
        ({"category": "%s"}, {"category": [
            "%s is not one of the values allowed: social_media_backlash, data_leak, "
            "defamation, misinformation, product_or_service_failure, conduct, "
            "customer_complaint, other."]}),
        ({"severity": "100%%"}, {"severity": [
            "100%% is not one of the values allowed: low, medium, high, critical."]}),
        ({"severity": "x" * 500}, {"severity": [
            "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx… is not one of the values "
            "allowed: low, medium, high, critical."]}),
        ({"reviewed_after": "yesterday"}, {"reviewed_after": [
            "Give an ISO 8601 date-time with its offset, e.g. 2026-11-25T10:00:00+01:00."]}),
        ({"reviewed_before": "2026-11-25T10:00:00"}, {"reviewed_before": [
            "Give an ISO 8601 date-time with its offset, e.g. 2026-11-25T10:00:00+01:00."]}),
        ({"reviewed_after": "٢٠٢٦-01-01T00:00:00Z"}, {"reviewed_after": [
            "Give an ISO 8601 date-time with its offset, e.g. 2026-11-25T10:00:00+01:00."]}),
        ({"reviewed_after": "0001-01-01T00:00:00+01:00"}, {"reviewed_after": [
            "Out of range; give a date-time between years 1 and 9999."]}),
        ({"reviewed_after": "2026-11-25T00:00:00Z", "reviewed_before": "2026-11-24T00:00:00Z"},
         {"reviewed_before": [
             "Give a time later than reviewed_after (2026-11-25T00:00:00+00:00)."]}),
        ({"q": "x" * 201}, {"q": ["Ensure this value has at most 200 characters (it has 201)."]}),
        ({"q": "a\x00b"}, {"q": ["Null characters are not allowed."]}),
        ({"page": "0"}, {"page": [
            "Give a whole number from 1 to 10. Only the most relevant results are paged: "
            "narrow the search with q, category, severity or the review dates."]}),
        ({"page": "11"}, {"page": [
            "Give a whole number from 1 to 10. Only the most relevant results are paged: "
            "narrow the search with q, category, severity or the review dates."]}),
        ({"page": "1e3"}, {"page": [
            "Give a whole number from 1 to 10. Only the most relevant results are paged: "
            "narrow the search with q, category, severity or the review dates."]}),
        ({"page_size": "51"}, {"page_size": ["Give a whole number from 1 to 50."]}),
        ({"page_size": "9" * 40}, {"page_size": ["Give a whole number from 1 to 50."]}),
    ],
)  # fmt: skip
def test_nonsense_is_a_400_field_by_field(params, errors, make_review, client_for, viewer):
    make_review()

    response = client_for(viewer).get(URL, params)

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json() == {
        "type": "urn:crisis-api:problem:invalid", "title": "Bad Request", "status": 400,
        "detail": INVALID, "errors": errors,
    }  # fmt: skip


def test_pages(make_review, client_for, viewer):
    made = [make_review(title=f"Review {i}") for i in range(3)]
    client = client_for(viewer)

    first = search(client, page_size=2)
    second = client.get(first["next"]).json()

    assert references(first) + references(second) == [i.reference for i in reversed(made)]
    assert first["previous"] is None and second["next"] is None
    assert second["previous"].endswith("/api/v1/reviews/?page_size=2")
    assert "page=2" in first["next"]


def test_the_tenth_page_is_the_last(make_review, client_for, viewer):
    for i in range(11):
        make_review(title=f"Review {i}")

    body = search(client_for(viewer), page_size=1, page=10)

    assert len(body["results"]) == 1 and body["next"] is None
    assert "page=9" in body["previous"]


# --- Who sees what -----------------------------------------------------------------------------


def test_confidential_reviews_are_absent_for_outsiders(make_review, make_user, client_for, manager):
    insider = make_user("viewer")
    public = make_review(title="Public", lessons_learned="Refund early.")
    secret = make_review(
        title="Secret", confidential=True, participants=[insider], lessons_learned="Refund early."
    )

    for params in ({}, {"q": "refund"}, {"q": "refund early"}, {"category": "other"}):
        assert references(search(client_for(make_user("viewer")), **params)) == [public.reference]
        assert references(search(client_for(make_user("responder")), **params)) == [
            public.reference
        ]
    for reader in (insider, manager):
        assert set(references(search(client_for(reader), q="refund"))) == {
            public.reference, secret.reference,
        }  # fmt: skip


@pytest.mark.parametrize(
    ("role", "status"),
    [("viewer", 200), ("responder", 200), ("manager", 200), ("monitor", 403), (None, 403)],
)
def test_who_may_search(role, status, make_user, client_for):
    response = client_for(make_user(role)).get(URL)

    assert response.status_code == status
    if role == "monitor":
        assert response.json()["detail"].startswith("This account feeds monitoring signals only")
    elif role is None:
        assert response.json() == {
            "type": "urn:crisis-api:problem:permission-denied", "title": "Forbidden",
            "status": 403, "detail": NO_ROLE,
        }  # fmt: skip


def test_anonymous_callers_are_refused(client, db):
    response = client.get(URL)

    assert response.status_code == 401
    assert response.json()["title"] == "Unauthorized"


# --- Queries ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params", [{}, {"q": "refund apology"}, {"q": "refund", "severity": "high"}]
)
def test_a_page_is_one_query_whatever_its_size(
    params, make_review, client_for, viewer, django_assert_num_queries
):
    client = client_for(viewer)
    make_review(lessons_learned="A refund and an apology.")
    with django_assert_num_queries(3):  # the token, the caller's permissions, the page
        assert len(search(client, **params)["results"]) == 1
    for _ in range(19):
        make_review(lessons_learned="A refund and an apology.")
    with django_assert_num_queries(3):
        assert len(search(client, **params)["results"]) == 20


def test_the_pages_reach_no_further_than_the_results_ranked():
    """The search keeps the RANKED_RESULTS best matches (and one more, saying whether a page
    follows): as many as the last page can end at."""
    from incidents.reviews.api.views import ReviewSearchPagination
    from incidents.reviews.selectors import RANKED_RESULTS

    pages = ReviewSearchPagination
    assert pages.max_pages * pages.max_page_size == RANKED_RESULTS
