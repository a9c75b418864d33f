"""The scale benchmark, against the database bench/scale/generate.py filled. Not part of CI.

    make bench-scale                 # SCALE=0.01, database crisis_scale_small
    SCALE=1 make bench-scale         # the full size, database crisis_scale

Everything runs in-process (Django's test client through the whole middleware stack, DEBUG
off, a real API token: what a request costs beyond the network), on PostgreSQL. For each
figure: p50 and p95 over RUNS runs (after two warm-up runs), the goal, PASS or MISS, and the
lines of EXPLAIN (ANALYZE, BUFFERS) of its main query that name the scans (which index).

- the incident list, filtered and ordered, for a manager and for a viewer (who sees only
  what is not confidential, or theirs): the first page (goal p95 <= 20 ms) and the page
  reached by following `next` DEEP times (goal: within 1.2x the first page's p95);
- `?q=` substring search over TERMS (goal p95 <= 50 ms) and the review search (full text,
  goal p95 <= 50 ms) over REVIEW_TERMS (each in half of the reviews) and over
  SELECTIVE_REVIEW_TERMS (each in about 1%), with how many reviews each term matches;
- the metrics over a year (goal <= 300 ms);
- the signals summary and the assessment suggestion of the incident with the most signals
  (goal <= 150 ms);
- the verification of the longest stream (goal <= 2 s) and `verify_audit` over everything
  (its rate).

BENCH_RUNS, BENCH_DEEP and BENCH_ONLY (comma-separated section names: list, deep, q, reviews,
metrics, signals, verify, audit) change what runs; BENCH_LIST_ALL=1 measures more filters
for both users, BENCH_DEEP_ALL=1 walks three more orders deep.
"""

import os
import re
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.scale import common

RUNS = int(os.environ.get("BENCH_RUNS", "20"))
DEEP = int(os.environ.get("BENCH_DEEP", "1000"))
ONLY = {s for s in os.environ.get("BENCH_ONLY", "").split(",") if s}
# Substrings searched with ?q=: common words of titles and summaries, rarer ones, a place, a
# reference fragment, and a word no incident holds.
TERMS = ["leak", "outage", "refund", "influencer", "Lyon", "rumeur", "quintafer", "zorblax",
         "CR-2025-01", "nowhere-to-be-found"]  # fmt: skip
REVIEW_TERMS = ["refund", "excuses", "influencer", "escalation", "modération", "holding statement"]
# The generator's reviews are sentences drawn from a dozen: each term above is in half of them,
# as "the" would be. Its filler words are each in about 1% of the reviews, as most words of a
# real corpus are: the search is measured over both sets.
SELECTIVE_REVIEW_TERMS = ["bomapo", "fevolulo", "mube", "sefuzi", "tuse or vive"]
LIST_GOAL_MS, DEEP_RATIO, SEARCH_GOAL_MS = 20, 1.2, 50
METRICS_GOAL_MS, SIGNALS_GOAL_MS, VERIFY_GOAL_S = 300, 150, 2

results: list[tuple[str, str, str, str]] = []  # (figure, measured, goal, verdict)


def wanted(section: str) -> bool:
    return not ONLY or section in ONLY


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


def record(figure: str, p50: float, p95: float, goal: float, unit: str = "ms") -> bool:
    ok = p95 <= goal
    measured = f"p50 {p50:.1f} {unit}, p95 {p95:.1f} {unit}"
    results.append((figure, measured, f"<= {goal:g} {unit}", "PASS" if ok else "MISS"))
    print(f"  {figure}: {measured} (goal p95 <= {goal:g} {unit}) {'PASS' if ok else 'MISS'}")
    return ok


def timed(call, runs: int = RUNS) -> list[float]:
    for _ in range(2):
        call()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def explain(sql: str, params) -> list[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
        lines = [row[0] for row in cursor.fetchall()]
    keep = re.compile(r"Scan|SubPlan|Execution Time|Sort Method|JIT:|Limit|Index Cond: \(ROW\(")
    return [line for line in lines if keep.search(line)]


def main_query(call, table: str) -> tuple[str, list] | None:
    """The SQL of the request's query on `table` that takes the most time (the page query)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        call()
    # Django's captured SQL is already interpolated (client-side binding): no parameters. The
    # compiled queries (crisis_api/compiled.py: server-side binding) are captured without SQL.
    candidates = [
        q
        for q in captured.captured_queries
        if q["sql"] and f'FROM "{table}"' in q["sql"] and "EXPLAIN" not in q["sql"]
    ]
    if not candidates:
        return None
    slowest = max(candidates, key=lambda q: float(q["time"]))
    return slowest["sql"], None


def show_plan(call, table: str) -> None:
    found = main_query(call, table)
    if found is None:
        print("    (no query on", table, ")")
        return
    for line in explain(*found):
        print("    |", line.rstrip())


class Api:
    """A user's authenticated client (a real API token, the whole middleware stack)."""

    def __init__(self, user):
        from rest_framework.test import APIClient

        from crisis_api.auth.tokens import api_token_issue

        _token, secret = api_token_issue(user=user, name="scale benchmark", days=1)
        self.client = APIClient(HTTP_AUTHORIZATION=f"Bearer {secret}")
        self.user = user

    def get(self, path: str, params=None):
        response = self.client.get(path, params or {})
        if response.status_code != 200:
            raise SystemExit(
                f"GET {path} {params}: {response.status_code} {response.content[:300]}"
            )
        return response


URL = "/api/v1/incidents/"


def list_cases(who: str, owner: str) -> list[tuple[str, dict]]:
    """The filters and orders measured (BENCH_LIST_ALL=1: more combinations, both users)."""
    cases = [
        ("default order (-created_at)", {}),
        ("status=responding", {"status": "responding"}),
        ("ordering=next_due_at", {"ordering": "next_due_at"}),
    ]
    if who == "manager" or os.environ.get("BENCH_LIST_ALL"):
        cases += [
            ("severity=critical", {"severity": "critical"}),
            (f"owner={owner}", {"owner": owner}),
            ("response_deadline=breached", {"response_deadline": "breached"}),
            ("ordering=response_due_at", {"ordering": "response_due_at"}),
        ]
    if os.environ.get("BENCH_LIST_ALL"):
        cases += [
            ("status=assessed&severity=high", {"status": "assessed", "severity": "high"}),
            ("response_deadline=at_risk,on_track", {"response_deadline": ["at_risk", "on_track"]}),
            ("confidential=false", {"confidential": "false"}),
            ("ordering=-response_due_at", {"ordering": "-response_due_at"}),
            (
                "status=resolved&ordering=next_due_at",
                {"status": "resolved", "ordering": "next_due_at"},
            ),
        ]
    return cases


def bench_list(apis, owner: str) -> None:
    print(f"\n## The incident list, first page (goal p95 <= {LIST_GOAL_MS} ms)")
    for who, api in apis.items():
        for label, params in list_cases(who, owner):
            samples = timed(lambda api=api, params=params: api.get("/api/v1/incidents/", params))
            record(f"list [{who}] {label}", *percentiles(samples), LIST_GOAL_MS)
            show_plan(lambda api=api, params=params: api.get("/api/v1/incidents/", params),
                      "incidents_incident")  # fmt: skip


def bench_deep(apis) -> None:
    """The page DEEP cursors deep (25 rows each), reached by following `next` at page_size=100
    (the cursor after row 25 x DEEP is the same whatever the page size: a position and the
    rows past it), then timed at the default page size like the first page."""
    print(f"\n## The incident list, {DEEP} pages deep (goal p95 <= {DEEP_RATIO}x the first page)")
    # (user, label, params): each walk is DEEP / 4 requests.
    cases = [
        ("manager", "default order (-created_at)", {}),
        ("manager", "ordering=next_due_at", {"ordering": "next_due_at"}),
    ]
    if os.environ.get("BENCH_DEEP_ALL"):
        cases += [
            ("viewer", "default order (-created_at)", {}),
            ("manager", "ordering=response_due_at", {"ordering": "response_due_at"}),
            ("manager", "status=resolved", {"status": "resolved"}),
        ]
    page, walk_size = 25, 100
    for who, label, params in cases:
        api = apis[who]
        first = percentiles(timed(lambda api=api, params=params: api.get(URL, params)))
        url, query, rows = URL, {**params, "page_size": walk_size}, 0
        started = time.perf_counter()
        while rows < DEEP * page:
            body = api.get(url, query).json()
            rows += len(body["results"])
            if not body["next"]:
                break
            url, query = body["next"].replace("http://testserver", ""), None
        walked = time.perf_counter() - started
        url = url.replace(f"page_size={walk_size}", f"page_size={page}")
        deep = percentiles(timed(lambda api=api, url=url: api.get(url)))
        ratio = deep[1] / first[1]
        ok = ratio <= DEEP_RATIO
        measured = (
            f"page {rows // page + 1}: p50 {deep[0]:.1f} ms, p95 {deep[1]:.1f} ms; first page "
            f"p95 {first[1]:.1f} ms; ratio {ratio:.2f}"
        )
        results.append(
            (f"deep [{who}] {label}", measured, f"<= {DEEP_RATIO}x", "PASS" if ok else "MISS")
        )
        print(
            f"  deep [{who}] {label}: {measured} ({walked:.0f} s to walk) "
            f"{'PASS' if ok else 'MISS'}"
        )
        show_plan(lambda api=api, url=url: api.get(url), "incidents_incident")


def bench_q(apis) -> None:
    print(f"\n## ?q= substring search, terms {TERMS} (goal p95 <= {SEARCH_GOAL_MS} ms)")
    for who, api in apis.items():
        samples = []
        for term in TERMS:
            one = timed(lambda api=api, term=term: api.get("/api/v1/incidents/", {"q": term}),
                        runs=max(RUNS // 4, 5))  # fmt: skip
            found = len(api.get("/api/v1/incidents/", {"q": term}).json()["results"])
            p50, p95 = percentiles(one)
            print(f"  q={term!r} [{who}]: p50 {p50:.1f} ms, p95 {p95:.1f} ms ({found} on page 1)")
            samples += one
        record(f"q [{who}] all terms", *percentiles(samples), SEARCH_GOAL_MS)
    api = apis["manager"]
    for term in ("refund", "zorblax"):
        print(f"  EXPLAIN q={term!r}:")
        show_plan(
            lambda term=term: api.get("/api/v1/incidents/", {"q": term}), "incidents_incident"
        )


def review_matches(term: str) -> str:
    """How many reviews `term` matches, of how many (what the search ranks)."""
    from django.db import connection

    from incidents.models import IncidentReview
    from incidents.reviews.selectors import LANGUAGES, STORED_DOCUMENT, query_sql

    table = IncidentReview._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FILTER (WHERE {STORED_DOCUMENT} @@ ({query_sql()})), count(*) "
            f"FROM {table}",
            [term] * len(LANGUAGES),
        )
        matches, reviews = cursor.fetchone()
    return f"{matches:,} of {reviews:,} reviews"


def bench_reviews(apis) -> None:
    print(f"\n## Review search (full text) (goal p95 <= {SEARCH_GOAL_MS} ms)")
    for name, terms in (("common", REVIEW_TERMS), ("selective", SELECTIVE_REVIEW_TERMS)):
        print(f"  {name} terms, matches: " + "; ".join(f"{t!r} {review_matches(t)}" for t in terms))
        for who, api in apis.items():
            samples = []
            for term in terms:
                one = timed(lambda api=api, term=term: api.get("/api/v1/reviews/", {"q": term}),
                            runs=max(RUNS // 4, 5))  # fmt: skip
                p50, p95 = percentiles(one)
                print(f"  q={term!r} [{who}]: p50 {p50:.1f} ms, p95 {p95:.1f} ms")
                samples += one
            record(f"reviews [{who}] {name} terms", *percentiles(samples), SEARCH_GOAL_MS)
    for term in ("refund", "fevolulo"):
        print(f"  EXPLAIN q={term!r}:")
        show_plan(lambda term=term: apis["manager"].get("/api/v1/reviews/", {"q": term}),
                  "incidents_incidentreview")  # fmt: skip


def bench_metrics(apis) -> None:
    print(f"\n## Metrics over a year (goal p95 <= {METRICS_GOAL_MS} ms)")
    today = datetime.now(UTC).date()
    params = {"from": (today - timedelta(days=365)).isoformat(), "to": today.isoformat()}
    for who, api in apis.items():
        samples = timed(lambda api=api: api.get("/api/v1/metrics/", params), runs=max(RUNS // 2, 5))
        record(f"metrics [{who}] {params['from']}..{params['to']}", *percentiles(samples),
               METRICS_GOAL_MS)  # fmt: skip
    show_plan(lambda: apis["manager"].get("/api/v1/metrics/", params), "incidents_incident")


def bench_signals(apis) -> None:
    from django.db import connection

    from incidents.monitoring.models import SignalTally

    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT incident_id, sum(signals) FROM {SignalTally._meta.db_table} "
            "GROUP BY incident_id ORDER BY 2 DESC LIMIT 1"
        )
        incident, count = cursor.fetchone()
    print(
        f"\n## Signals of the incident with the most ({count:,}) (goal p95 <= {SIGNALS_GOAL_MS} ms)"
    )
    api = apis["manager"]
    for name, path in (
        ("summary", f"/api/v1/incidents/{incident}/signals/summary/"),
        ("suggestion", f"/api/v1/incidents/{incident}/assessment-suggestion/"),
    ):
        samples = timed(lambda path=path: api.get(path))
        record(f"signals {name} ({count:,} signals)", *percentiles(samples), SIGNALS_GOAL_MS)


def bench_verify() -> None:
    from crisis_api.events.verification import verify_stream
    from crisis_api.models import EventStream

    head = EventStream.objects.order_by("-last_sequence").first()
    print(f"\n## Verification of the longest stream ({head.last_sequence:,} events, goal <= "
          f"{VERIFY_GOAL_S} s)")  # fmt: skip
    runs = 5
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        report = verify_stream(head.name)
        samples.append(time.perf_counter() - started)
        assert report.valid, report
    p50, p95 = percentiles(samples)
    record(f"verify_stream ({head.last_sequence:,} events, {runs} runs)", p50, p95,
           VERIFY_GOAL_S, unit="s")  # fmt: skip


def bench_audit() -> None:
    from django.core.management import call_command

    print("\n## verify_audit over everything")
    started = time.perf_counter()
    call_command("verify_audit")
    elapsed = time.perf_counter() - started
    results.append(("verify_audit (every stream)", f"{elapsed:.1f} s", "its rate", "-"))


def main() -> None:
    common.setup_django()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection

    for name in ("THROTTLE_USER_RATE", "THROTTLE_ANON_RATE"):
        setattr(settings, name, "1000000/min")
    settings.ALLOWED_HOSTS = ["testserver"]
    users = get_user_model().objects
    apis = {"manager": Api(users.get(username="manager001")),
            "viewer": Api(users.get(username="viewer001"))}  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM incidents_incident), "
            "(SELECT reltuples::bigint FROM pg_class WHERE relname = 'monitoring_signal'), "
            "(SELECT reltuples::bigint FROM pg_class WHERE relname = 'crisis_api_event'), "
            "pg_database_size(current_database())"
        )
        incidents, signals, events, size = cursor.fetchone()
    owner = users.get(username="responder001").username
    print(
        f"# Scale benchmark, SCALE={common.SCALE}, database {common.DB_NAME}: {incidents:,} "
        f"incidents, ~{signals:,} signals, ~{events:,} events, {size / 2**30:.1f} GiB; "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs; {RUNS} runs per figure"
    )
    if wanted("list"):
        bench_list(apis, owner)
    if wanted("deep"):
        bench_deep(apis)
    if wanted("q"):
        bench_q(apis)
    if wanted("reviews"):
        bench_reviews(apis)
    if wanted("metrics"):
        bench_metrics(apis)
    if wanted("signals"):
        bench_signals(apis)
    if wanted("verify"):
        bench_verify()
    if wanted("audit"):
        bench_audit()
    print("\n## Summary")
    for figure, measured, goal, verdict in results:
        print(f"  {verdict:4}  {figure}: {measured} (goal {goal})")


if __name__ == "__main__":
    main()
