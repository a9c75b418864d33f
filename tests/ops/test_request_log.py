"""§5: one structured JSON line per request, and the webhook attempt line."""

import json
import logging
import logging.config

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from crisis_api.request_log import log_webhook_attempt

LIST = reverse("incident-list")


def request_records(caplog):
    return [r for r in caplog.records if r.name == "crisis_api.requests"]


def as_json_line(record) -> dict:
    """The record as the configured formatter writes it: one JSON object on one line."""
    config = django_settings.LOGGING["formatters"]["json"]
    formatter = logging.config.DictConfigurator({}).configure_custom(dict(config))
    line = formatter.format(record)
    assert "\n" not in line
    return json.loads(line)


def test_one_line_per_request_with_its_fields(responder, client_for, caplog):
    caplog.set_level(logging.INFO, logger="crisis_api.requests")

    response = client_for(responder).get(LIST, HTTP_X_REQUEST_ID="abc-123")

    [record] = request_records(caplog)
    line = as_json_line(record)
    assert line["message"] == "request"
    assert line["level"] == "INFO"
    assert line["logger"] == "crisis_api.requests"
    assert line["method"] == "GET"
    assert line["path"] == LIST
    assert line["status"] == response.status_code == 200
    assert isinstance(line["duration_ms"], float)
    assert line["duration_ms"] >= 0
    assert line["user"] == responder.username
    assert line["request_id"] == response["X-Request-ID"] == "abc-123"
    assert "time" in line


def test_anonymous_and_refused_requests_are_logged_too(db, client, caplog):
    caplog.set_level(logging.INFO, logger="crisis_api.requests")

    response = client.post(LIST, "{}", content_type="application/json")

    [record] = request_records(caplog)
    assert record.status == response.status_code == 401
    assert record.user == ""
    assert record.method == "POST"
    assert record.request_id == response["X-Request-ID"]


def test_a_server_error_is_an_error_line(responder, client_for, caplog, monkeypatch):
    from incidents.api import views

    def boom(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(views.IncidentViewSet, "list", boom)
    caplog.set_level(logging.INFO, logger="crisis_api.requests")
    client = client_for(responder)
    client.raise_request_exception = False

    response = client.get(LIST)

    [record] = request_records(caplog)
    assert response.status_code == record.status == 500
    assert record.levelname == "ERROR"


@pytest.mark.parametrize(
    ("outcome", "level"), [("delivered", "INFO"), ("retry", "WARNING"), ("dead", "WARNING")]
)
def test_a_webhook_attempt_is_one_line(outcome, level, caplog):
    caplog.set_level(logging.INFO, logger="crisis_api.webhooks")

    log_webhook_attempt(
        delivery_id=7,
        endpoint_id="e1",
        webhook_id="evt_1",
        url="https://receiver.example/hook",
        attempt=3,
        status=503,
        duration_ms=12.345,
        outcome=outcome,
        error="HTTP 503\nsecond line",
    )

    [record] = [r for r in caplog.records if r.name == "crisis_api.webhooks"]
    line = as_json_line(record)
    assert line["message"] == "webhook_attempt"
    assert line["level"] == level
    assert line["delivery_id"] == "7"
    assert line["webhook_id"] == "evt_1"
    assert line["attempt"] == 3
    assert line["status"] == 503
    assert line["duration_ms"] == 12.3
    assert line["outcome"] == outcome
    assert line["error"] == "HTTP 503"
