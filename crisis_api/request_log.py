"""One structured log line per request, and the logger for one line per webhook attempt.

The lines are JSON objects (python-json-logger, configured in settings.LOGGING): a log
collector indexes their fields without parsing free text.
"""

import logging
import time

from django.utils.functional import empty

request_logger = logging.getLogger("crisis_api.requests")
# For the webhooks engine: one line per delivery attempt, through log_webhook_attempt().
webhook_attempt_logger = logging.getLogger("crisis_api.webhooks")


def _username(request) -> str:
    # DRF sets request.user on the Django request once it authenticates a token; a request
    # that never reached authentication (a 404, a 413) has the session's lazy user or none.
    user = getattr(request, "user", None)
    if user is None or getattr(user, "_wrapped", None) is empty:  # never read: not worth a query
        return ""
    try:
        return user.get_username() if user.is_authenticated else ""
    except Exception:  # the session's user cannot be read (the database is down)
        return ""


class RequestLogMiddleware:
    """Writes `request` lines: method, path, status, duration_ms, user, request_id.

    Place it first in MIDDLEWARE, so it sees the status that leaves and times everything.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        duration_ms = round((time.perf_counter() - started) * 1000, 1)
        fields = {
            "method": request.method,
            "path": request.path,
            "status": response.status_code,
            "duration_ms": duration_ms,
            "user": _username(request),
            "request_id": getattr(request, "request_id", ""),
        }
        error = getattr(request, "log_error", "")
        if error:
            fields["error"] = error
        level = logging.ERROR if response.status_code >= 500 else logging.INFO
        request_logger.log(level, "request", extra=fields)
        return response


def log_webhook_attempt(
    *,
    delivery_id,
    endpoint_id,
    webhook_id: str,
    url: str,
    attempt: int,
    status: int | None,
    duration_ms: float,
    outcome: str,
    error: str = "",
) -> None:
    """One `webhook_attempt` line per delivery attempt (what the webhooks engine calls).

    `status` is the receiver's HTTP status (None when no answer came), `outcome` a short word
    such as "delivered", "retry", "dead" or "disabled", `error` what went wrong, in one line.
    """
    fields = {
        "delivery_id": str(delivery_id),
        "endpoint_id": str(endpoint_id),
        "webhook_id": webhook_id,
        "url": url,
        "attempt": attempt,
        "status": status,
        "duration_ms": round(duration_ms, 1),
        "outcome": outcome,
    }
    if error:
        fields["error"] = error.splitlines()[0][:500] if error.strip() else error
    level = logging.INFO if outcome == "delivered" else logging.WARNING
    webhook_attempt_logger.log(level, "webhook_attempt", extra=fields)
