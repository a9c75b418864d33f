"""A gunicorn worker's memory (RSS) before and after 10,000 mixed requests.

    make bench-memory                  # or .venv/bin/python bench/memory.py
    BENCH_REQUESTS=2000 make bench-memory   # fewer requests
    BENCH_REUSE_DB=1 make bench-memory      # keep the data of the last run (no reseeding)
    BENCH_TRACE=1 BENCH_REQUESTS=3000 make bench-memory   # where the Python memory goes

PostgreSQL database crisis_rss (dropped and created again), Redis on 127.0.0.1:6379 (the
cache, with its own key prefix), gunicorn on port 8067: 2 sync workers, debug off, the
production settings (a secret key, allowed hosts, Redis), the throttles raised out of the way.

The data: `seed_demo` (27 incidents in every state with their timelines, signals,
communications, actions and reviews), then the requests themselves add incidents, notes,
transitions and signals. The mix, from 4 client threads: incident lists with filters, search
and orderings, following their `next` cursors; details, timelines (and their cursors),
verifications, reports, signal lists and summaries, suggestions, actions, communications,
templates, tokens, webhooks, audit checkpoints, metrics, review search; creates, transitions,
notes, signal batches; and errors (404 unknown incidents and paths, 400 bad filters, bad
cursors and invalid bodies).

Each worker's VmRSS (and its peak, VmHWM) is read from /proc/<pid>/status when it has started,
after a warm-up of 300 requests, and after the 10,000; PASS when every worker stays under
150 MB after the run. Nothing here runs in CI.
"""

import http.client
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = os.environ.get("BENCH_DB", "crisis_rss")
DB_URL = f"postgres://postgres@127.0.0.1:5432/{DB_NAME}"
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
PORT = int(os.environ.get("BENCH_PORT", "8067"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "10000"))
WARM_UP = 300
CLIENTS = 4
LIMIT_MB = 150
# BENCH_TRACE=1: trace the workers' Python memory (bench/memory_trace.py, files in
# BENCH_TRACE_DIR); their RSS is then not the benchmark's.
TRACE = os.environ.get("BENCH_TRACE", "") not in ("", "0")

os.environ["DATABASE_URL"] = DB_URL


def psql(sql: str) -> None:
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-c", sql],
        check=True,
        capture_output=True,
    )


def manage(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "DJANGO_DEBUG": "1"},
    )
    return done.stdout


def token(username: str, role: str) -> str:
    return manage("create_api_token", username, "--role", role).strip().splitlines()[-1]


def serve() -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "bench-" + uuid.uuid4().hex,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_LOG_LEVEL": "WARNING",
        "CACHE_URL": REDIS_URL,
        "CACHE_KEY_PREFIX": "queries-" + uuid.uuid4().hex[:8],
        "THROTTLE_USER_RATE": "1000000/min",
        "THROTTLE_ANON_RATE": "1000000/min",
        "THROTTLE_SIGNALS_RATE": "1000000/min",
        "AUDIT_CHECKPOINT_KEY": "bench-" + uuid.uuid4().hex,
    }
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "config.wsgi",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--timeout",
            "120",
            "--log-level",
            "warning",
            *(["--config", str(ROOT / "bench" / "memory_trace.py")] if TRACE else []),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(300):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200 and len(workers(server)) == 2:
                return server
        except OSError:
            pass
        time.sleep(0.1)
    server.terminate()
    raise SystemExit("gunicorn did not start")


def workers(server: subprocess.Popen) -> list[int]:
    path = Path(f"/proc/{server.pid}/task/{server.pid}/children")
    return sorted(int(pid) for pid in path.read_text().split())


def memory(pid: int) -> tuple[float, float]:
    """(VmRSS, VmHWM) of a process, in MB."""
    fields = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
    )
    return tuple(int(fields[name].split()[0]) / 1024 for name in ("VmRSS", "VmHWM"))


class Client:
    """One client thread's view of the API: tokens, known incidents, cursors to follow."""

    def __init__(self, tokens: dict[str, str], incidents: list[dict], seed: int):
        self.tokens = tokens
        self.incidents = incidents  # shared between the threads: {"id", "status", "version"}
        self.rng = random.Random(seed)
        self.cursors: list[str] = []
        self.statuses: Counter = Counter()
        self.kinds: Counter = Counter()
        self.seconds: Counter = Counter()

    def send(self, method: str, path: str, body=None, role: str = "manager", headers=None):
        headers = {"Authorization": f"Bearer {self.tokens[role]}", **(headers or {})}
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=120)
        conn.request(method, path, body=payload, headers=headers)
        response = conn.getresponse()
        data = response.read()
        conn.close()
        self.statuses[response.status] += 1
        is_json = response.getheader("Content-Type", "").endswith("json")
        return response.status, (json.loads(data) if data and is_json else None)

    def remember_next(self, body) -> None:
        if isinstance(body, dict) and body.get("next"):
            parts = urlsplit(body["next"])
            self.cursors.append(f"{parts.path}?{parts.query}")
            del self.cursors[:-20]

    def incident(self) -> dict:
        return self.rng.choice(self.incidents)

    # --- the requests, each a kind in MIX ------------------------------------------------

    def list_incidents(self):
        params = {}
        for name, values in (
            ("status", ["detected", "assessed", "responding", "resolved", "reviewed"]),
            ("severity", ["low", "medium", "high", "critical"]),
            ("ordering", ["created_at", "-updated_at", "-next_due_at", "response_due_at"]),
            ("q", ["post", "leak", "fuite", "refund", "vir"]),
            ("confidential", ["true", "false"]),
            ("overdue", ["true"]),
            ("page_size", ["10", "50", "100"]),
        ):
            if self.rng.random() < 0.3:
                params[name] = self.rng.choice(values)
        role = self.rng.choice(["manager", "manager", "viewer", "responder"])
        _, body = self.send("GET", f"/api/v1/incidents/?{urlencode(params)}", role=role)
        self.remember_next(body)

    def follow_cursor(self):
        if not self.cursors:
            return self.list_incidents()
        _, body = self.send("GET", self.cursors.pop(self.rng.randrange(len(self.cursors))))
        self.remember_next(body)

    def detail(self):
        self.send(
            "GET",
            f"/api/v1/incidents/{self.incident()['id']}/",
            role=self.rng.choice(["manager", "viewer"]),
        )

    def timeline(self):
        _, body = self.send(
            "GET",
            f"/api/v1/incidents/{self.incident()['id']}/timeline/"
            f"?page_size={self.rng.choice([5, 25])}",
        )
        self.remember_next(body)

    def verify(self):
        self.send("GET", f"/api/v1/incidents/{self.incident()['id']}/timeline/verify/")

    def report(self):
        download = self.rng.choice(["", "?download=1"])
        self.send("GET", f"/api/v1/incidents/{self.incident()['id']}/report/{download}")

    def signals(self):
        incident = self.incident()["id"]
        path = self.rng.choice(
            [
                "signals/",
                "signals/summary/",
                "assessment-suggestion/",
                "signals/?platform=x",
                "signals/?ordering=observed_at",
            ]
        )
        _, body = self.send("GET", f"/api/v1/incidents/{incident}/{path}")
        self.remember_next(body)

    def records(self):
        incident = self.incident()["id"]
        path = self.rng.choice(
            [
                f"/api/v1/incidents/{incident}/actions/",
                f"/api/v1/incidents/{incident}/communications/",
                "/api/v1/templates/",
                "/api/v1/tokens/",
                "/api/v1/webhooks/",
                "/api/v1/audit/checkpoints/",
                "/api/v1/metrics/",
                f"/api/v1/metrics/?from={(datetime.now(UTC) - timedelta(days=90)).date()}",
            ]
        )
        self.send("GET", path)

    def search(self):
        q = self.rng.choice(["refund", "excuse", "apology", "driver", "template", "données"])
        self.send("GET", f"/api/v1/reviews/?{urlencode({'q': q})}", role="viewer")

    def create(self):
        n = self.rng.randrange(10**6)
        status, body = self.send(
            "POST",
            "/api/v1/incidents/",
            {
                "title": f"Viral post {n} about late deliveries",
                "summary": "Customers complain about parcels a week late. " * 3,
                "category": "customer_complaint",
                "channels": ["x", "facebook"],
                "is_confidential": n % 10 == 0,
            },
        )
        if status == 201:
            self.incidents.append({"id": body["id"], "status": "detected"})

    STEPS = {
        "detected": (
            "assess",
            {"severity": "high", "scope": "spreading", "impact": ["reputation"]},
        ),
        "assessed": ("respond", {}),
        "responding": ("resolve", {"resolution_summary": "Refunds sent."}),
        "resolved": ("reopen", {"reason": "It flared up again."}),
    }

    def transition(self):
        incident = self.incident()
        if incident.get("status") not in self.STEPS:
            return self.detail()
        name, body = self.STEPS[incident["status"]]
        status, answer = self.send("POST", f"/api/v1/incidents/{incident['id']}/{name}/", body)
        if status == 200:
            incident["status"] = answer["status"]

    def note(self):
        self.send(
            "POST",
            f"/api/v1/incidents/{self.incident()['id']}/notes/",
            {"note": "Called the customer back; waiting for the carrier."},
            role="responder",
        )

    def signal_batch(self):
        now = datetime.now(UTC)
        topic = self.rng.randrange(40)
        batch = [
            {
                "platform": self.rng.choice(["x", "facebook", "reddit", "news"]),
                "observed_at": (now - timedelta(minutes=self.rng.randrange(600))).isoformat(),
                "content": f"Topic {topic}: my parcel {self.rng.randrange(10**6)} is late again",
                "author": f"@user{self.rng.randrange(300)}",
                "group_key": f"topic-{topic}",
                "external_id": uuid.uuid4().hex,
                "reach": self.rng.randrange(10**5),
                "language": "en",
            }
            for _ in range(50)
        ]
        self.send("POST", "/api/v1/signals/", {"signals": batch}, role="monitor")

    def error(self):
        unknown = uuid.uuid4()
        method, path, body = self.rng.choice(
            [
                ("GET", f"/api/v1/incidents/{unknown}/", None),
                ("GET", f"/api/v1/incidents/{unknown}/timeline/", None),
                ("GET", "/api/v1/no-such-thing/", None),
                ("GET", "/api/v1/incidents/?severity=apocalyptic", None),
                ("GET", "/api/v1/incidents/?cursor=not-a-cursor", None),
                ("GET", "/api/v1/incidents/?page_size=100000", None),
                ("POST", "/api/v1/incidents/", {"title": ""}),
                ("POST", "/api/v1/incidents/", {"title": "x" * 500, "channels": ["pigeon"]}),
                ("POST", f"/api/v1/incidents/{unknown}/assess/", {"severity": "high"}),
                ("POST", "/api/v1/signals/", {"signals": [{"platform": "x"}]}),
            ]
        )
        self.send(method, path, body, role="monitor" if "signals" in path else "manager")

    MIX = {
        "list_incidents": 24,
        "follow_cursor": 8,
        "detail": 12,
        "timeline": 8,
        "verify": 2,
        "report": 2,
        "signals": 6,
        "records": 8,
        "search": 4,
        "create": 5,
        "transition": 5,
        "note": 4,
        "signal_batch": 4,
        "error": 8,
    }

    def run(self, count: int) -> None:
        kinds, weights = zip(*self.MIX.items(), strict=True)
        for kind in self.rng.choices(kinds, weights, k=count):
            started = time.monotonic()
            getattr(self, kind)()
            self.seconds[kind] += time.monotonic() - started
            self.kinds[kind] += 1


def drive(tokens, incidents, total: int, seed: int, server=None):
    """`total` requests from CLIENTS threads; with `server`, its workers' RSS every 1,000."""
    clients = [Client(tokens, incidents, seed * 100 + n) for n in range(CLIENTS)]
    threads = [
        threading.Thread(
            target=client.run, args=(total // CLIENTS + (n < total % CLIENTS),), daemon=True
        )
        for n, client in enumerate(clients)
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    shown = 0
    while any(thread.is_alive() for thread in threads):
        time.sleep(1)
        done = sum(sum(c.kinds.values()) for c in clients)
        if server is not None and done >= shown + 1000:
            shown = done - done % 1000
            report(f"  {done} requests, {time.monotonic() - started:.0f} s:", server)
    for thread in threads:
        thread.join()
    seconds = time.monotonic() - started
    return (
        sum((c.statuses for c in clients), Counter()),
        sum((c.kinds for c in clients), Counter()),
        sum((c.seconds for c in clients), Counter()),
        seconds,
    )


def report(label: str, server: subprocess.Popen) -> dict[int, tuple[float, float]]:
    figures = {pid: memory(pid) for pid in workers(server)}
    shown = ", ".join(
        f"{pid}: {rss:.1f} MB (peak {peak:.1f})" for pid, (rss, peak) in figures.items()
    )
    print(f"{label:<28} {shown}", flush=True)
    return figures


def main() -> None:
    # Stopped (Ctrl-C, SIGTERM): stop gunicorn too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    if not os.environ.get("BENCH_REUSE_DB"):  # BENCH_REUSE_DB=1: keep the last run's data
        psql(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        psql(f'CREATE DATABASE "{DB_NAME}"')
        manage("migrate", "--no-input", "-v0")
        manage("seed_demo", "--base-url", f"http://127.0.0.1:{PORT}")
    tokens = {
        role: token(f"bench-{role}", role) for role in ("manager", "responder", "viewer", "monitor")
    }

    server = serve()
    try:
        print(
            f"gunicorn, 2 workers, port {PORT}, {DB_URL}, cache {REDIS_URL}; "
            f"{REQUESTS} mixed requests from {CLIENTS} threads",
            flush=True,
        )
        started = report("started:", server)
        incidents: list[dict] = []
        path = "/api/v1/incidents/?page_size=100"
        seeder = Client(tokens, incidents, 0)
        while path:
            _, body = seeder.send("GET", path)
            incidents.extend({"id": row["id"], "status": row["status"]} for row in body["results"])
            path = body["next"] and urlsplit(body["next"])._replace(scheme="", netloc="").geturl()
        drive(tokens, incidents, WARM_UP, seed=1)
        warm = report(f"after {WARM_UP} warm-up requests:", server)
        statuses, kinds, spent, seconds = drive(tokens, incidents, REQUESTS, seed=2, server=server)
        after = report(f"after {REQUESTS} requests:", server)
    finally:
        server.terminate()
        server.wait(timeout=60)

    print(
        f"{REQUESTS} requests in {seconds:.0f} s ({REQUESTS / seconds:.0f}/s); "
        f"statuses {dict(sorted(statuses.items()))}"
    )
    print(
        "mix (count, mean ms):",
        {kind: (count, round(1000 * spent[kind] / count)) for kind, count in kinds.most_common()},
    )
    if set(after) != set(started):
        print("MISS: a worker was replaced during the run (killed or timed out)")
    for pid, (rss, peak) in after.items():
        growth = rss - warm.get(pid, (rss, 0))[0]
        verdict = "PASS" if rss < LIMIT_MB else "MISS"
        print(
            f"worker {pid}: {started.get(pid, (0, 0))[0]:.1f} MB at start, "
            f"{warm.get(pid, (0, 0))[0]:.1f} MB warm, {rss:.1f} MB after "
            f"(+{growth:.1f} MB over the run, peak {peak:.1f}): {verdict} (< {LIMIT_MB} MB)"
        )
    if statuses.get(500):
        print(f"MISS: {statuses[500]} server errors")


if __name__ == "__main__":
    main()
