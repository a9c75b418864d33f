"""Middleware that keeps every answer under /api/ a problem, and every request body bounded."""

import io
import logging

from django.conf import settings
from django.core import signals
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.core.handlers.wsgi import LimitedStream
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _

from crisis_api import errors

request_logger = logging.getLogger("django.request")

# Seconds a client is told to wait when the database does not answer.
DATABASE_RETRY_AFTER = 5


def _database_unreachable(exception) -> bool:
    """The database could not be reached or its connection broke (not a bad query)."""
    return isinstance(exception, OperationalError | InterfaceError) or (
        isinstance(exception, DatabaseError)
        and isinstance(exception.__cause__, OperationalError | InterfaceError)
    )


def database_unavailable(request, exception) -> HttpResponse:
    """503 with Retry-After, logged once in the request's line, without a traceback."""
    first_line = (str(exception).strip().splitlines() or [""])[0][:200]
    request.log_error = f"database unavailable: {exception.__class__.__name__}: {first_line}"
    detail = _("The database is not answering; retry in a few seconds.")
    if errors.is_api(request):
        response = errors.problem_response(503, "service_unavailable", detail)
    else:
        response = HttpResponse(detail, status=503, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(DATABASE_RETRY_AFTER)
    # The request's own log line says it (crisis_api.request_log); Django need not repeat it.
    response._has_been_logged = True
    return response


def max_body_size(size: int):
    """Decorator: let a view (or a viewset action) accept bodies up to `size` bytes.

    The default for every other view is the MAX_REQUEST_BODY_BYTES setting.
    """

    def decorate(view):
        view.max_body_size = size
        return view

    return decorate


def _view_body_limit(request, view_func) -> int:
    """The limit the view declares with @max_body_size, else the setting."""
    cls = getattr(view_func, "cls", None)
    candidates = [view_func, cls]
    method = request.method.lower()
    actions = getattr(view_func, "actions", None)  # a DRF viewset: {method: action name}
    if actions and method in actions:
        candidates.insert(0, getattr(cls, actions[method], None))
    elif cls is not None:  # an APIView: its handler of the method
        candidates.insert(0, getattr(cls, method, None))
    for candidate in candidates:
        size = getattr(candidate, "max_body_size", None)
        if size is not None:
            return size
    return settings.MAX_REQUEST_BODY_BYTES


def _too_large(request, limit: int) -> HttpResponse:
    detail = _(
        "The request body is larger than %(limit)d bytes; split it into smaller requests or "
        "send less."
    ) % {"limit": limit}
    if errors.is_api(request):
        return errors.problem_response(413, "payload_too_large", detail)
    return HttpResponse(detail, status=413, content_type="text/plain; charset=utf-8")


class BodySizeLimitMiddleware:
    """Answers 413 to a body over the view's limit, with or without a Content-Length.

    A chunked body (no Content-Length, which Django would otherwise read as empty) is read
    up to the limit, then handed to the view as if its length had been sent.
    Place it before any middleware that reads the body (CSRF).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        limit = _view_body_limit(request, view_func)
        declared = request.META.get("CONTENT_LENGTH")
        if declared:
            try:
                length = int(declared)
            except ValueError:
                length = 0  # Django reads an unparsable length as an empty body
            return _too_large(request, limit) if length > limit else None
        chunked = "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower()
        if chunked and request.META.get("wsgi.input_terminated"):
            body = request.META["wsgi.input"].read(limit + 1)
            if len(body) > limit:
                return _too_large(request, limit)
            request.META["CONTENT_LENGTH"] = str(len(body))
            request._stream = LimitedStream(io.BytesIO(body), len(body))
        return None


class ApiProblemMiddleware:
    """Under /api/, every error is problem+json, whatever DEBUG says.

    Unexpected exceptions are logged and answered with a problem 500 instead of Django's
    technical page; any other non-problem error response (a debug 404 page, a 400 for a bad
    Host header) is replaced by a problem with the same status. Place it first.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            errors.is_api(request)
            and response.status_code >= 400
            and response.get("Content-Type", "").split(";")[0] != errors.PROBLEM_CONTENT_TYPE
        ):
            replacement = errors.problem_for_status(request, response.status_code)
            for header in ("Allow", "WWW-Authenticate", "Retry-After"):
                if header in response:
                    replacement[header] = response[header]
            return replacement
        return response

    def process_exception(self, request, exception):
        if _database_unreachable(exception):
            return database_unavailable(request, exception)
        if not errors.is_api(request):
            return None
        if isinstance(exception, Http404):
            return errors.problem_for_status(request, 404)
        if isinstance(exception, PermissionDenied):
            return errors.problem_for_status(request, 403)
        if isinstance(exception, SuspiciousOperation):
            logging.getLogger(f"django.security.{exception.__class__.__name__}").error(
                str(exception), extra={"status_code": 400, "request": request}
            )
            return errors.problem_response(*errors.suspicious_problem(exception))
        request_logger.error(
            "Internal Server Error: %s",
            request.path,
            exc_info=exception,
            extra={"status_code": 500, "request": request},
        )
        # What Django's own handler sends: the test client re-raises from it, and error
        # reporters listen to it.
        signals.got_request_exception.send(sender=self.__class__, request=request)
        return errors.problem_for_status(request, 500)


class ApiNoStoreMiddleware:
    """`Cache-Control: no-store` on every answer under /api/ that does not set its own.

    Those answers carry incident data (or say whether an incident exists): no browser,
    proxy or shared cache may keep a copy.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if errors.is_api(request) and not response.has_header("Cache-Control"):
            response["Cache-Control"] = "no-store"
        return response
