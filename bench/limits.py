"""How the throttle and idempotency keys behave across two gunicorn processes.

    .venv/bin/python bench/limits.py     # PostgreSQL database crisis_limits_bench (dropped and
                                         # created again), Redis on 127.0.0.1:6379, ports
                                         # 8066 and 8067

Two gunicorn masters of one worker each (two processes that share nothing but the database
and the cache) serve the same database; client threads alternate between them.

1. Throttle: THROTTLE_USER_RATE=100/min, 300 GETs from one token sent as fast as 8 threads
   can. With CACHE_URL on Redis the two processes share one count: exactly 100 pass. With the
   local-memory default each process counts alone: up to 200 pass (why production needs Redis).
2. Idempotency: 20 rounds of 8 simultaneous POST /api/v1/incidents/ with one key per round,
   half to each process: each round must create exactly one incident; the others get the
   replay (201, Idempotent-Replayed: true) or 409 while the first runs.

Nothing here runs in CI.
"""

import http.client
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = os.environ.get("BENCH_DB", "crisis_limits_bench")
DB_URL = f"postgres://postgres@127.0.0.1:5432/{DB_NAME}"
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
PORTS = (int(os.environ.get("BENCH_PORT", "8066")), int(os.environ.get("BENCH_PORT", "8066")) + 1)
THREADS = 8
RATE = 100
REQUESTS = 300
ROUNDS = 20

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


def serve(cache_url: str) -> list[subprocess.Popen]:
    """Two gunicorn masters, one worker each, sharing the database and `cache_url`."""
    env = {
        **os.environ,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "bench-" + uuid.uuid4().hex,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "CACHE_URL": cache_url,
        "CACHE_KEY_PREFIX": "bench-" + uuid.uuid4().hex[:8],  # a clean count every run
        "THROTTLE_USER_RATE": f"{RATE}/min",
    }
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    command = [gunicorn, "config.wsgi", "--workers", "1", "--log-level", "warning"]
    servers = [
        # Quiet: Django logs a warning line per 429 and 409.
        subprocess.Popen(
            [*command, "--bind", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for port in PORTS
    ]
    for port in PORTS:
        for _ in range(100):
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.1)
        else:
            stop(servers)
            raise SystemExit(f"gunicorn did not start on {port}")
    return servers


def stop(servers: list[subprocess.Popen]) -> None:
    for server in servers:
        server.terminate()
    for server in servers:
        server.wait(timeout=30)


def request(port: int, method: str, path: str, headers: dict, body: bytes | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    payload = response.read()
    conn.close()
    return response.status, dict(response.getheaders()), payload


def throttle(token: str) -> Counter:
    """REQUESTS GETs from THREADS threads alternating between the processes; status counts."""
    statuses: Counter = Counter()
    lock = threading.Lock()
    todo = iter(range(REQUESTS))
    headers = {"Authorization": f"Bearer {token}"}

    def worker():
        while True:
            with lock:
                n = next(todo, None)
            if n is None:
                return
            status, _headers, _body = request(PORTS[n % 2], "GET", "/api/v1/incidents/", headers)
            with lock:
                statuses[status] += 1

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def idempotency(token: str) -> tuple[Counter, list[int]]:
    """ROUNDS rounds of THREADS simultaneous POSTs with one key; (answers, incidents per key)."""
    answers: Counter = Counter()
    created_per_key = []
    for round_ in range(ROUNDS):
        key = str(uuid.uuid4())
        body = json.dumps({"title": f"Retried post {round_}"}).encode()
        headers = {
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            "Idempotency-Key": key,
        }
        barrier = threading.Barrier(THREADS)
        results = []
        lock = threading.Lock()

        def send(n, headers=headers, body=body, barrier=barrier, results=results, lock=lock):
            barrier.wait()
            status, response_headers, payload = request(
                PORTS[n % 2], "POST", "/api/v1/incidents/", headers, body
            )
            replayed = response_headers.get("Idempotent-Replayed") == "true"
            with lock:
                results.append((status, replayed, payload))

        threads = [threading.Thread(target=send, args=(n,)) for n in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        ids = set()
        for status, replayed, payload in results:
            answers["201 replayed" if replayed else str(status)] += 1
            if status == 201:
                ids.add(json.loads(payload)["id"])
        created_per_key.append(len(ids))
    return answers, created_per_key


def main() -> None:
    psql(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
    psql(f'CREATE DATABASE "{DB_NAME}"')
    manage("migrate", "--no-input", "-v0")

    def new_token() -> str:  # each phase its own token, so its own count
        issued = manage("create_api_token", "bench-responder", "--role", "responder")
        return issued.strip().splitlines()[-1]

    print(f"Two gunicorn processes (ports {PORTS[0]}, {PORTS[1]}), {DB_URL}")
    for label, cache_url in (("Redis", REDIS_URL), ("local memory", "locmemcache://")):
        servers = serve(cache_url)
        try:
            started = time.monotonic()
            statuses = throttle(new_token())
            seconds = time.monotonic() - started
            print(
                f"Throttle at {RATE}/min, cache {label}: {REQUESTS} GETs in {seconds:.1f} s -> "
                f"{statuses[200]} passed, {statuses[429]} got 429 "
                f"(other: {sum(v for k, v in statuses.items() if k not in (200, 429))})"
            )
            if label == "Redis":
                answers, created = idempotency(new_token())
                print(
                    f"Idempotency: {ROUNDS} rounds x {THREADS} simultaneous POSTs with one key: "
                    f"incidents per key {dict(Counter(created))}; answers {dict(answers)}"
                )
        finally:
            stop(servers)


if __name__ == "__main__":
    main()
