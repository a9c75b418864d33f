"""Benchmark of audit verification: one stream of 100,000 events, and verify_audit over all.

    make bench-audit                 # PostgreSQL database crisis_bench on 127.0.0.1 (kept)
    BENCH_EVENTS=10000 make bench-audit

1. The first run appends BENCH_EVENTS chained events to the stream `bench:audit-<count>` in
   bulk (hashed with the platform's own event_hash, the mix of payloads the service writes:
   creations, edits, transitions, batches of signals attached), and keeps them: later runs
   reuse the stream.
2. It checks that the fast canonical encoding (orjson) gives exactly the bytes of the json
   module for every event of the database, and times both.
3. It times verify_stream on that stream (p50 and p95 of BENCH_RUNS runs; the goal: 2 s) and
   the peak of Python memory during one run (bounded: rows are read in chunks).
4. It runs `manage.py verify_audit` over the whole log and prints its last line (the rate).

Nothing here runs in CI.
"""

import os
import random
import statistics
import subprocess
import sys
import time
import tracemalloc
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = os.environ.get("BENCH_DB", "crisis_bench")
DB_URL = os.environ.get("BENCH_DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/{DB_NAME}")
EVENTS = int(os.environ.get("BENCH_EVENTS", "100000"))
RUNS = int(os.environ.get("BENCH_RUNS", "5"))

os.environ["DATABASE_URL"] = DB_URL
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")
sys.path.insert(0, str(ROOT))


def psql(sql: str, database: str = "postgres") -> str:
    done = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", database, "-qtAc", sql],
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout.strip()


def manage(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        capture_output=True,
        text=True,
        env={**os.environ, "DJANGO_DEBUG": "1"},
    )
    if done.returncode not in (0, 1):
        raise SystemExit(done.stderr)
    return done.stdout + done.stderr


def payload(rng: random.Random, sequence: int) -> dict:
    """The fields of one event, in the proportions an incident's timeline has them."""
    if sequence == 1:
        return {"action": "incident.created", "to_status": "detected",
                "changes": {"title": {"from": None, "to": "Bench: a long timeline"},
                            "channels": {"from": None, "to": ["x"]}}}  # fmt: skip
    roll = rng.random()
    if roll < 0.6:
        count = rng.randint(1, 40)
        return {"action": "signals.attached",
                "data": {"count": count, "signals": [str(uuid.UUID(int=rng.getrandbits(128)))
                                                     for _ in range(count)]}}  # fmt: skip
    if roll < 0.9:
        return {"action": "incident.updated",
                "changes": {"summary": {"from": f"Résumé {sequence - 1} — « suivi »",
                                        "to": f"Résumé {sequence} — « suivi »"}}}  # fmt: skip
    return {"action": "incident.transitioned", "from_status": "assessed",
            "to_status": "responding", "note": "Réponse publiée 🚨\nsur X"}  # fmt: skip


def create_stream(name: str) -> None:
    from django.db import transaction

    from crisis_api.events.hashing import event_hash
    from crisis_api.models import Event, EventStream

    rng = random.Random(5)
    start = datetime.now(UTC) - timedelta(days=30)
    previous = Event.GENESIS_HASH
    rows = []
    began = time.perf_counter()
    with transaction.atomic():
        for sequence in range(1, EVENTS + 1):
            fields = {
                "stream": name, "sequence": sequence,
                "at": start + timedelta(seconds=sequence * 7, microseconds=sequence % 1000),
                "actor_id": None, "from_status": "", "to_status": "", "changes": {}, "note": "",
                "data": {}, "request_id": uuid.UUID(int=rng.getrandbits(128)).hex,
                "prev_hash": previous, **payload(rng, sequence),
            }  # fmt: skip
            previous = event_hash(**fields)
            rows.append(Event(**fields, hash=previous))
            if len(rows) == 5000:
                Event.objects.bulk_create(rows)
                rows = []
        Event.objects.bulk_create(rows)
        # A head starts empty and moves onto its last event (PostgreSQL's guard checks it).
        EventStream.objects.create(name=name)
        EventStream.objects.filter(name=name).update(last_sequence=EVENTS, last_hash=previous)
    print(f"  appended {EVENTS:,} events in {time.perf_counter() - began:.1f} s")


def check_encoding() -> None:
    """orjson's bytes against the json module's, for every event of the database."""
    from crisis_api.events import hashing
    from crisis_api.models import Event

    def fields(event) -> dict:
        return {
            "stream": event[0], "sequence": event[1],
            "at": event[2].astimezone(UTC).isoformat(timespec="microseconds"),
            "actor_id": event[3], "action": event[4], "from_status": event[5],
            "to_status": event[6], "changes": event[7], "note": event[8], "data": event[9],
            "request_id": event[10], "prev_hash": event[11],
        }  # fmt: skip

    columns = ("stream", "sequence", "at", "actor_id", "action", "from_status", "to_status",
               "changes", "note", "data", "request_id", "prev_hash")  # fmt: skip
    rows = [fields(row) for row in Event.objects.values_list(*columns).iterator(chunk_size=5000)]
    began = time.process_time()  # CPU time: other processes share the cores
    fast = [hashing.canonical_bytes(row) for row in rows]
    fast_seconds = time.process_time() - began
    began = time.process_time()
    slow = [hashing._CANONICAL.encode(row).encode() for row in rows]
    slow_seconds = time.process_time() - began
    differ = sum(a != b for a, b in zip(fast, slow, strict=True))
    print(
        f"  canonical encoding of {len(rows):,} stored events (CPU): orjson {fast_seconds:.2f} s, "
        f"json module {slow_seconds:.2f} s; {differ} differ"
    )
    if differ:
        raise SystemExit("orjson and the json module disagree: the hashes would change")


def main() -> None:
    import django

    print(f"Database {DB_URL}; a stream of {EVENTS:,} events")
    if psql(f"SELECT 1 FROM pg_database WHERE datname = '{DB_NAME}'") != "1":
        psql(f'CREATE DATABASE "{DB_NAME}"')
    manage("migrate", "--no-input", "-v0")
    django.setup()
    from crisis_api.events.verification import verify_stream
    from crisis_api.models import EventStream

    name = f"bench:audit-{EVENTS}"
    if not EventStream.objects.filter(name=name).exists():
        create_stream(name)
    check_encoding()
    samples, cpu = [], []
    for _ in range(RUNS):
        began, began_cpu = time.perf_counter(), time.process_time()
        report = verify_stream(name)
        samples.append(time.perf_counter() - began)
        cpu.append(time.process_time() - began_cpu)
        assert report.valid and report.events == EVENTS, report
    samples.sort()
    p95 = samples[max(0, int(len(samples) * 0.95) - 1)]
    print(
        f"  verify_stream of {EVENTS:,} events: p50 {statistics.median(samples):.2f} s, "
        f"p95 {p95:.2f} s ({EVENTS / statistics.median(samples):,.0f} events/s; goal 2 s); "
        f"CPU of this process p50 {statistics.median(cpu):.2f} s"
    )
    tracemalloc.start()
    verify_stream(name)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"  peak Python memory during verify_stream: {peak / 2**20:.1f} MiB")
    total = sum(EventStream.objects.values_list("last_sequence", flat=True))
    output = manage("verify_audit").strip().splitlines()
    print(f"  verify_audit over the whole log ({total:,} events): {output[-1] if output else ''}")
    print(f"  load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
