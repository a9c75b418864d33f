"""Reads: the reviews a user may see, and the search of their lessons.

On PostgreSQL the search is full text, in French and in English at once: the document is
`to_tsvector('french', text) || to_tsvector('english', text)` over the review's text fields,
stored in a generated column (migration 0009) that a GIN index covers (migration 0012); the
query is `websearch_to_tsquery` in both languages (any user syntax is valid), matched against
that column and ranked by `ts_rank` over it (neither computes the document again), and the
snippet comes from `ts_headline`. On SQLite (development and
tests) every word of the query must be a case-insensitive substring of the text, and results
rank by how many (word, field) pairs match. Either way the page is one query, whatever its size.
"""

import html
import json
import re
from dataclasses import dataclass

from django.db import connections
from django.db.models import (
    BooleanField,
    Case,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    Q,
    QuerySet,
    TextField,
    Value,
    When,
)
from django.db.models.expressions import RawSQL

from incidents.models import IncidentReview
from incidents.selectors import CONFIDENTIAL_ACCESS, incidents_visible_to

# The text fields a search reads, in the order the snippet shows them.
TEXT_FIELDS = (
    "summary", "root_cause", "what_went_well", "what_went_wrong", "lessons_learned",
    "follow_up_actions",
)  # fmt: skip
LANGUAGES = ("french", "english")
# What ts_headline wraps the matches in: characters the text itself cannot hold (they are
# removed from it first), replaced by <mark> once the rest is escaped.
START, STOP = "\x02", "\x03"
SNIPPET_OPTIONS = {"max_words": 30, "min_words": 12, "max_fragments": 2}
FRAGMENT_DELIMITER = " … "
# How many of the most relevant results a search can page through (the pages' reach:
# incidents.reviews.api.views.ReviewSearchPagination, ten pages of at most fifty).
RANKED_RESULTS = 500
# SQLite: at most this many words of a query count, each at most this long.
SIMPLE_WORDS, SIMPLE_WORD_LENGTH = 10, 50
SIMPLE_SNIPPET = 160  # characters of text shown around the first match


def _column(name: str) -> str:
    return f'"incidents_incidentreview"."{name}"'


# The document (to_tsvector in French and in English over the text fields), stored by
# PostgreSQL in a generated column (migrations incidents 0007 and 0009) and indexed (0012):
# what the search matches and ranks, so that no document is computed again
# (when a common word's matches overflow work_mem, PostgreSQL checks every row of the lossy
# pages again: against the expression, that was two to_tsvector per row).
STORED_DOCUMENT = _column("search_document")


def query_sql() -> str:
    """The tsquery of the user's text (one parameter per language)."""
    return " || ".join(
        f"websearch_to_tsquery('{language}'::regconfig, %s)" for language in LANGUAGES
    )


def _headline_sql(language: str) -> str:
    """ts_headline over the review's text, HTML-escaped first and cleared of the sentinels
    (the escaped entities come out of ts_headline as they went in)."""
    follow_ups = (
        "array_to_string(ARRAY(SELECT jsonb_array_elements_text("
        f"{_column('follow_up_actions')})), ' · ')"
    )
    parts = [_column(name) for name in TEXT_FIELDS[:-1]] + [follow_ups]
    text = " || ' · ' || ".join(parts)
    for char, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), (START, ""), (STOP, "")):
        text = f"replace({text}, '{char}', '{entity}')"
    options = (
        f"StartSel={START}, StopSel={STOP}, MaxWords={SNIPPET_OPTIONS['max_words']}, "
        f"MinWords={SNIPPET_OPTIONS['min_words']}, "
        f"MaxFragments={SNIPPET_OPTIONS['max_fragments']}, "
        f'FragmentDelimiter="{FRAGMENT_DELIMITER}"'
    )
    return f"ts_headline('{language}'::regconfig, {text}, {query_sql()}, %s)", options


def reviews_visible_to(user) -> QuerySet[IncidentReview]:
    """Reviews of the incidents `user` may see, newest first, ready to serialise (one query)."""
    reviews = IncidentReview.objects.all()
    if not user.has_perm(CONFIDENTIAL_ACCESS):  # those who see every incident need no join
        reviews = reviews.filter(incident__in=incidents_visible_to(user))
    return reviews.select_related("incident", "reviewed_by").order_by(
        "-incident__reviewed_at", "-pk"
    )


def reviews_matching(reviews: QuerySet[IncidentReview], text: str) -> QuerySet[IncidentReview]:
    """`reviews` that match `text`, most relevant first, each with `rank` and `snippet_raw`."""
    if connections[reviews.db].vendor == "postgresql":
        return _full_text(reviews, text)
    return _simple(reviews, text)


def _full_text(reviews, text):
    query = RawSQL(query_sql(), [text] * len(LANGUAGES))
    headlines = {}
    for language in LANGUAGES:
        sql, options = _headline_sql(language)
        headlines[f"headline_{language}"] = RawSQL(
            sql, [*[text] * len(LANGUAGES), options], output_field=TextField()
        )
    matched = RawSQL(f"{STORED_DOCUMENT} @@ ({query.sql})", query.params, BooleanField())
    rank = RawSQL(f"ts_rank({STORED_DOCUMENT}, {query.sql})", query.params, FloatField())
    return _best_matches(reviews, matched, rank).annotate(**headlines)


def _best_matches(reviews, matched, rank):
    """The RANKED_RESULTS best of `reviews` that match, ranked; their rows are read for those.

    Every match is ranked with no join (the index finds them, the stored document ranks them),
    and only its id, rank and time are sorted: sorting whole rows spilled a common word's tens
    of thousands of matches to disk. When something else narrows the reviews (who may see
    them, the filters), the sorted matches are then checked one by one in that order, each by
    its id, until enough pass: most do, so a few hundred checks replace a join of every match
    to its incident. OFFSET 0 keeps each subquery apart (PostgreSQL would otherwise carry
    each match's document through the sort of a flattened one). Compiled on their own, since
    inside a subquery Django renames the table that the raw SQL names. Ties are broken by the
    review's created_at, which the review service writes with the incident's reviewed_at (one
    time, in one transaction; a reviewed incident never changes again).
    """
    matches = (
        IncidentReview.objects.filter(matched)
        .annotate(match=F("pk"), match_rank=rank, match_time=F("created_at"))
        .order_by()
        .values("match", "match_rank", "match_time")
    )
    sql, params = matches.query.get_compiler(using=reviews.db).as_sql()
    order = '"m"."match_rank" DESC, "m"."match_time" DESC, "m"."match" DESC'
    limit = f"LIMIT {RANKED_RESULTS + 1}"
    if reviews.query.where:
        allowed = reviews.filter(pk=RawSQL('"m"."match"', [])).order_by().values("pk")
        check, check_params = allowed.query.get_compiler(using=reviews.db).as_sql()
        best = RawSQL(
            f'SELECT "m"."match" FROM (SELECT * FROM ({sql} OFFSET 0) "m" ORDER BY {order} '
            f'OFFSET 0) "m" WHERE EXISTS ({check}) {limit}',
            (*params, *check_params),
        )
    else:
        best = RawSQL(
            f'SELECT "m"."match" FROM ({sql} OFFSET 0) "m" ORDER BY {order} {limit}', params
        )
    return reviews.filter(pk__in=best).annotate(rank=rank).order_by("-rank", "-created_at", "-pk")


def simple_words(text: str) -> list[str]:
    """The words of a query as SQLite matches them (operators and quotes ignored)."""
    words = dict.fromkeys(w.lower() for w in re.findall(r"\w+", text))
    return [w[:SIMPLE_WORD_LENGTH] for w in words][:SIMPLE_WORDS]


def _simple(reviews, text):
    words = simple_words(text)
    if not words:
        return reviews.none()
    every_word = Q()
    hits = []
    for word in words:
        any_field = Q()
        for name in TEXT_FIELDS:
            # The follow-ups are JSON text on SQLite, with non-ASCII letters as \u escapes.
            needle = json.dumps(word)[1:-1] if name == "follow_up_actions" else word
            contains = Q(**{f"{name}__icontains": needle})
            any_field |= contains
            hits.append(Case(When(contains, then=Value(1)), default=Value(0)))
        every_word &= any_field
    rank = ExpressionWrapper(sum(hits[1:], start=hits[0]), output_field=IntegerField())
    return (
        reviews.filter(every_word)
        .annotate(rank=rank)
        .order_by(F("rank").desc(), "-incident__reviewed_at", "-pk")
    )


# --- Snippets ------------------------------------------------------------------------------


def marked_html(headline: str, *, escaped: bool = False) -> str:
    """A headline whose matches are between START and STOP, as HTML: the matches in <mark>,
    everything else escaped (an unmatched sentinel is dropped).

    `escaped`: the headline's text was HTML-escaped before (ts_headline's, escaped in SQL); it
    is unescaped and escaped again, so that whatever ts_headline cut or kept, the result holds
    no markup of its own.
    """

    def escape(text: str) -> str:
        return html.escape(html.unescape(text) if escaped else text, quote=False)

    pieces = []
    for index, part in enumerate(headline.split(START)):
        if index and STOP in part:
            match, rest = part.split(STOP, 1)
            pieces.append(f"<mark>{escape(match)}</mark>")
            part = rest
        pieces.append(escape(part.replace(STOP, "")))
    return "".join(pieces)


@dataclass(frozen=True)
class Snippet:
    html: str
    marks: int


def review_snippet(review: IncidentReview, text: str) -> str:
    """The highlighted snippet of a review found by `text` (after `reviews_matching`)."""
    if hasattr(review, "headline_french"):
        found = [
            Snippet(marked_html(h, escaped=True), h.count(START))
            for h in (review.headline_french, review.headline_english)
        ]
        return max(found, key=lambda snippet: snippet.marks).html  # first of the best
    return _simple_snippet(review, text)


def review_text(review: IncidentReview) -> str:
    values = [getattr(review, name) for name in TEXT_FIELDS[:-1]]
    return " · ".join([*values, *review.follow_up_actions])


def _simple_snippet(review: IncidentReview, text: str) -> str:
    """Around the first match: the words of the query in <mark>, the rest escaped."""
    body = review_text(review).replace(START, "").replace(STOP, "")
    words = simple_words(text)
    folded = body.lower()
    first = min((i for w in words if (i := folded.find(w)) >= 0), default=0)
    start = max(0, first - SIMPLE_SNIPPET // 3)
    window = body[start : start + SIMPLE_SNIPPET]
    prefix = "…" if start else ""
    suffix = "…" if start + SIMPLE_SNIPPET < len(body) else ""
    if words:
        pattern = re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)
        window = pattern.sub(lambda m: f"{START}{m.group(0)}{STOP}", window)
    return marked_html(prefix + window + suffix)
