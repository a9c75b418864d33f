"""Fixtures of the webhook tests: a real HTTP receiver on 127.0.0.1, endpoints, a worker run."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from unittest import mock

import pytest
from django.core.management import call_command
from django_tasks_db.management.commands import db_worker

from crisis_api.webhooks import services


class Receiver:
    """A threaded HTTP server that records every request and answers `statuses` in turn."""

    def __init__(self):
        self.requests: list[dict] = []
        self.statuses: list[int] = []
        self.headers: dict[str, str] = {}
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver.lock:
                    receiver.requests.append({"headers": dict(self.headers), "body": body})
                    code = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(code)
                for name, value in receiver.headers.items():
                    self.send_header(name, value)
                if code in (301, 302, 307):
                    self.send_header("Location", receiver.url + "elsewhere")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK = True
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def make_endpoint(db, make_user, settings):
    """make_endpoint(url, **fields) -> an endpoint registered through the service."""
    settings.WEBHOOKS_ALLOW_LOOPBACK = True

    def make(url, event_types=("*",), **fields):
        return services.endpoint_create(
            actor=make_user("manager"), url=url, event_types=list(event_types), **fields
        )

    return make


def run_worker():
    """Run every task that is due, as `db_worker` does, then return.

    Its connection housekeeping is left out: inside a test's transaction it would close the
    connection (autocommit is off there), losing the test's data on PostgreSQL.
    """
    with mock.patch.object(db_worker, "close_old_connections", lambda: None):
        call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0", verbosity=0)
