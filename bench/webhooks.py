"""Benchmark of webhook delivery: deliveries per second with one db_worker, then with two.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/crisis_webhooks \
        .venv/bin/python bench/webhooks.py

BENCH_DELIVERIES events (default 400), each on its own stream (so ordering does not serialise
them), go to one endpoint: a threaded HTTP receiver on 127.0.0.1:BENCH_RECEIVER_PORT (18065)
answering 200 at once. The outbox rows and their tasks are written first; then N `db_worker`
processes are started and timed until every delivery is delivered. The database's webhook rows
and tasks are deleted before each run. Nothing here runs in CI.
"""

import os
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ["WEBHOOKS_ALLOW_LOOPBACK"] = "1"
os.environ.setdefault("DJANGO_DEBUG", "1")
DELIVERIES = int(os.environ.get("BENCH_DELIVERIES", "400"))
RECEIVER_PORT = int(os.environ.get("BENCH_RECEIVER_PORT", "18065"))


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):  # the receiver: read, answer 200
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def run(workers: int) -> float:
    from django.db import transaction
    from django_tasks_db.models import DBTaskResult

    from crisis_api.events.services import NewEvent, events_append
    from crisis_api.webhooks.models import Delivery, Endpoint
    from crisis_api.webhooks.services import endpoint_create

    Delivery.objects.all().delete()
    Endpoint.objects.all().delete()
    DBTaskResult.objects.all().delete()
    endpoint_create(actor=None, url=f"http://127.0.0.1:{RECEIVER_PORT}/hook", event_types=["*"])
    stamp = time.time_ns()
    with transaction.atomic():
        events_append(
            [NewEvent(stream=f"bench:{stamp}:{i}", action="bench.ping") for i in range(DELIVERIES)]
        )
    command = [sys.executable, "manage.py", "db_worker", "--interval", "0.05",
               "--no-startup-delay", "--no-reload", "--verbosity", "0"]  # fmt: skip
    started = time.monotonic()
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    processes = [subprocess.Popen(command, cwd=ROOT, **quiet) for _ in range(workers)]
    try:
        while Delivery.objects.filter(state="delivered").count() < DELIVERIES:
            time.sleep(0.05)
        elapsed = time.monotonic() - started
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait()
    assert Delivery.objects.filter(attempts=1).count() == DELIVERIES  # none sent twice
    return elapsed


def main() -> None:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    server = ThreadingHTTPServer(("127.0.0.1", RECEIVER_PORT), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    for workers in (1, 2):
        elapsed = run(workers)
        print(f"{workers} worker(s): {DELIVERIES} deliveries in {elapsed:.1f} s, "
              f"{DELIVERIES / elapsed:.0f}/s")  # fmt: skip
    server.shutdown()


if __name__ == "__main__":
    main()
