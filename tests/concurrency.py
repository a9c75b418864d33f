"""Racing requests from threads, each with its own database connection (PostgreSQL only)."""

import threading

import pytest
from django.db import connection, connections
from rest_framework.test import APIClient

# SQLite test databases live in one connection's memory: threads cannot share them.
POSTGRES_ONLY = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: SQLite test databases live in one connection's memory",
    ),
]


def race(requests):
    """POST every (url, payload, secret) at once from its own thread and connection; the
    responses in the order given (None for a thread that failed)."""
    barrier = threading.Barrier(len(requests))
    responses = [None] * len(requests)

    def send(index, url, payload, secret):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
        try:
            barrier.wait(timeout=10)
            responses[index] = client.post(url, payload, format="json")
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=send, args=(i, *request)) for i, request in enumerate(requests)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return responses
