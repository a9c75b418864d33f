"""Benchmark of monitoring: ingestion over HTTP, and the summary and suggestion at 100,000 signals.

    make bench-signals                      # PostgreSQL database crisis_bench on 127.0.0.1
                                            # (dropped and created again), gunicorn with 2
                                            # workers on port 8055
    BENCH_SIGNALS=20000 make bench-signals  # fewer signals
    BENCH_LARGE=10000 make bench-signals    # a smaller incident for the summary and suggestion

1. Ingestion: gunicorn (2 workers, like a small production box) serves POST /api/v1/signals/;
   BENCH_CLIENTS threads send pre-encoded batches of 500 over keep-alive connections, with
   grouping and duplicate detection on: a mix of group keys, copy-paste campaigns (near-identical
   texts), distinct posts without a key, and 5% duplicates of earlier posts. It prints signals
   per second (the goal on a 2-core machine: 5,000).
2. The summary and the suggestion of one incident holding BENCH_LARGE signals (100,000), timed
   in-process (the selectors: what a request costs beyond authentication) and over HTTP: p50 and
   p95 of 20 runs each (the goal: 150 ms).

The rate limits stay out of the way: its few hundred batches a minute are under
THROTTLE_SIGNALS_RATE (600/min per token). Nothing here runs in CI.
"""

import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = os.environ.get("BENCH_DB", "crisis_bench")
DB_URL = os.environ.get("BENCH_DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/{DB_NAME}")
PORT = int(os.environ.get("BENCH_PORT", "8055"))
SIGNALS = int(os.environ.get("BENCH_SIGNALS", "50000"))
LARGE = int(os.environ.get("BENCH_LARGE", "100000"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "4"))
BATCH = 500
RUNS = 20

os.environ["DATABASE_URL"] = DB_URL
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
sys.path.insert(0, str(ROOT))

SYLLABLES = [c + v for c in "bdflmnprstv" for v in "aeiou"]
# A vocabulary of a few thousand made-up words, so that distinct posts share few word pairs
# (real posts do); campaign copies are one post with a word changed.
_RNG = random.Random(3)
WORDS = sorted({"".join(_RNG.choice(SYLLABLES) for _ in range(2 + i % 3)) for i in range(6000)})


def sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words))


def make_batches(count: int, seed: int = 7) -> list[bytes]:
    """Pre-encoded batches, the mix a monitoring tool sends during a crisis: 75% with a group
    key (its alerts, 40 of them), 18% copies of 10 campaigns with a word changed, 2% loose
    posts (each opens an incident), 5% duplicates of earlier posts."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    campaigns = [sentence(rng, 18).split() for _ in range(10)]
    sent: list[dict] = []
    batches, batch = [], []
    for n in range(count):
        roll = rng.random()
        if roll < 0.05 and sent:
            item = dict(rng.choice(sent))
        else:
            item = {
                "platform": rng.choice(["x", "facebook", "instagram", "tiktok", "reddit", "news"]),
                "observed_at": (now - timedelta(minutes=rng.randint(1, 3000))).isoformat(),
                "external_id": f"b{seed}-{n}",
                "author": f"@user{rng.randint(1, 20000)}",
                "language": rng.choice(["fr", "en"]),
                "sentiment": round(rng.uniform(-1, 1), 2),
                "reach": rng.randint(0, 50000),
                "engagement": rng.randint(0, 2000),
            }
            if roll < 0.80:
                item["group_key"] = f"alert-{rng.randint(1, 40)}"
                item["content"] = sentence(rng, 25)
            elif roll < 0.98:
                words = list(rng.choice(campaigns))
                words[rng.randrange(len(words))] = rng.choice(WORDS)
                item["content"] = " ".join(words) + " #boycott"
            else:
                item["content"] = sentence(rng, 25)
                item["url"] = f"https://example.com/{seed}/{n}?utm_source=bench"
            sent.append(item)
        batch.append(item)
        if len(batch) == BATCH:
            batches.append(json.dumps({"signals": batch}).encode())
            batch = []
    if batch:
        batches.append(json.dumps({"signals": batch}).encode())
    return batches


def psql(sql: str, database: str = "postgres") -> str:
    return subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", database, "-qAt", "-c", sql],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def analyze_without_autovacuum() -> bool:
    """ANALYZE the database when the server's autovacuum is off (this machine's PostgreSQL
    runs with the CI's settings: `autovacuum = off`), as autovacuum would have done after the
    warm-up's first thousand rows. A database never analyzed plans the batch's band lookup as
    a scan of every band row (44 ms of PostgreSQL CPU a batch at 50,000 signals, growing with
    the table, against 11 ms through the index)."""
    if psql("SHOW autovacuum") != "off":
        return False
    psql("ANALYZE", DB_NAME)
    return True


def fresh_database() -> None:
    psql(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
    psql(f'CREATE DATABASE "{DB_NAME}"')
    manage("migrate", "--no-input", "-v0")


def manage(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "DJANGO_DEBUG": "1"},
    )
    return done.stdout


def serve() -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "bench-" + uuid.uuid4().hex,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_LOG_LEVEL": "INFO",
    }
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "config.wsgi", "--workers", "2",
         "--bind", f"127.0.0.1:{PORT}", "--log-level", "warning"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    for _ in range(100):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.1)
    server.terminate()
    raise SystemExit("gunicorn did not start")


def post_all(batches: list[bytes], token: str) -> tuple[float, int, int]:
    """Send the batches from CLIENTS threads; (seconds, signals created, duplicates)."""
    queue = list(reversed(batches))
    lock = threading.Lock()
    totals = {"created": 0, "duplicates": 0, "errors": 0}
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=120)
        while True:
            with lock:
                if not queue:
                    return
                body = queue.pop()
            conn.request("POST", "/api/v1/signals/", body=body, headers=headers)
            response = conn.getresponse()
            data = json.loads(response.read())
            with lock:
                if response.status == 200:
                    totals["created"] += data["created"]
                    totals["duplicates"] += data["duplicates"]
                else:
                    totals["errors"] += 1
                    print("error", response.status, str(data)[:300], file=sys.stderr)

    threads = [threading.Thread(target=worker) for _ in range(CLIENTS)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if totals["errors"]:
        raise SystemExit(f"{totals['errors']} batches failed")
    return time.perf_counter() - start, totals["created"], totals["duplicates"]


def timings(call) -> tuple[float, float]:
    samples = []
    for _ in range(RUNS):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def large_incident(token: str) -> str:
    """One incident with LARGE signals (campaign copies, a few platforms and authors), sent
    through the same HTTP endpoint, naming the incident."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model

    from incidents.services import incident_create

    user = get_user_model().objects.get(username="bench-responder")
    incident = incident_create(actor=user, title="Bench: a very large campaign")
    rng = random.Random(11)
    now = datetime.now(UTC)
    base = sentence(rng, 20).split()
    batches, batch = [], []
    for n in range(LARGE):
        words = list(base)
        words[rng.randrange(len(words))] = rng.choice(WORDS)
        batch.append({
            "platform": rng.choice(["x", "facebook", "tiktok"]),
            "observed_at": (now - timedelta(seconds=rng.randint(1, 72 * 3600))).isoformat(),
            "content": " ".join(words) if rng.random() < 0.7 else sentence(rng, 20),
            "author": f"@a{rng.randint(1, 5000)}", "external_id": f"large-{n}",
            "sentiment": round(rng.uniform(-1, 0.5), 2), "reach": rng.randint(0, 5000),
            "language": "fr", "incident": str(incident.pk),
        })  # fmt: skip
        if len(batch) == BATCH:
            batches.append(json.dumps({"signals": batch}).encode())
            batch = []
    if batch:
        batches.append(json.dumps({"signals": batch}).encode())
    post_all(batches, token)
    return str(incident.pk)


def main() -> None:
    print(f"Database {DB_URL}; gunicorn, 2 workers; {CLIENTS} client threads; batches of {BATCH}")
    fresh_database()
    feed = manage("create_api_token", "bench-feed", "--role", "monitor").strip().splitlines()[-1]
    reader = manage("create_api_token", "bench-responder", "--role", "responder")
    reader = reader.strip().splitlines()[-1]
    batches = make_batches(SIGNALS)
    server = serve()
    try:
        post_all(make_batches(2 * BATCH, seed=1), feed)  # warm up both workers
        if analyze_without_autovacuum():
            print("autovacuum is off: ANALYZE after the warm-up, in its stead")
        seconds, created, duplicates = post_all(batches, feed)
        total = created + duplicates
        print(
            f"\nIngestion: {total:,} signals in {seconds:.1f} s = {total / seconds:,.0f} "
            f"signals/s ({created:,} stored, {duplicates:,} duplicates)"
        )
        incident_id = large_incident(reader)
        from incidents.models import Incident
        from incidents.monitoring import selectors

        incident = Incident.objects.get(pk=incident_id)
        print(f"\nAn incident with {incident.signals.count():,} signals:")
        summary_ms = timings(lambda: selectors.signals_summary(incident=incident))
        suggestion_ms = timings(lambda: selectors.assessment_suggestion(incident=incident))
        print(f"  summary, in-process:     p50 {summary_ms[0]:.0f} ms, p95 {summary_ms[1]:.0f} ms")
        print(
            f"  suggestion, in-process:  p50 {suggestion_ms[0]:.0f} ms, "
            f"p95 {suggestion_ms[1]:.0f} ms"
        )
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
        headers = {"Authorization": f"Bearer {reader}"}
        for name, path in [
            ("summary", f"/api/v1/incidents/{incident_id}/signals/summary/"),
            ("suggestion", f"/api/v1/incidents/{incident_id}/assessment-suggestion/"),
        ]:

            def get(path=path):
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                assert response.status == 200, response.status

            p50, p95 = timings(get)
            print(
                f"  {name}, over HTTP: {' ' * (11 - len(name))}p50 {p50:.0f} ms, p95 {p95:.0f} ms"
            )
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
