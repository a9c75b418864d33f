"""Problem details (RFC 9457) for every error under /api/, DRF's and Django's alike."""

from http import HTTPStatus
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation, TooManyFieldsSent
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

PROBLEM_CONTENT_TYPE = "application/problem+json"
UNREADABLE_REQUEST = gettext_lazy(
    "The request could not be read (a malformed header, body or query string, or a Host this "
    "server does not answer for); fix it and retry."
)


# The 404 of a record that does not exist or that the caller may not see (never telling which).
NOT_VISIBLE = gettext_lazy("No such resource, or you are not allowed to see it.")


def problem_type(code: str) -> str:
    """A stable URI naming the kind of problem (a URN: it promises no web page)."""
    return f"urn:crisis-api:problem:{code.replace('_', '-')}"


class ProblemError(Exception):
    """A domain error that the API renders as a problem with extra members.

    Services raise subclasses of it without knowing about HTTP frameworks; the handler below
    turns them into responses.
    """

    status_code = status.HTTP_400_BAD_REQUEST
    code = "error"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class VersionMismatch(ProblemError):
    """The caller's `If-Match` names a version that is no longer current."""

    status_code = status.HTTP_412_PRECONDITION_FAILED
    code = "precondition_failed"

    def __init__(self, current_version: int) -> None:
        super().__init__(
            _(
                "The resource changed since you read it (current version %(version)s); "
                "GET it again and retry with the new ETag."
            )
            % {"version": current_version},
            current_version=current_version,
        )


class InvalidInput(ProblemError):
    """Input that only the service can judge (it depends on the record's state): a 400."""

    status_code = status.HTTP_400_BAD_REQUEST
    code = "invalid"

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(
            _("The request is invalid; see `errors` for what to fix in each field."),
            errors=errors,
        )


class NotPermitted(ProblemError):
    """The caller may see the resource but not make this change to it: a 403."""

    status_code = status.HTTP_403_FORBIDDEN
    code = "permission_denied"


# Problem titles in the caller's language; any other status falls back to its English phrase.
TITLES = {
    400: gettext_lazy("Bad Request"),
    401: gettext_lazy("Unauthorized"),
    403: gettext_lazy("Forbidden"),
    404: gettext_lazy("Not Found"),
    405: gettext_lazy("Method Not Allowed"),
    406: gettext_lazy("Not Acceptable"),
    409: gettext_lazy("Conflict"),
    412: gettext_lazy("Precondition Failed"),
    413: gettext_lazy("Content Too Large"),
    415: gettext_lazy("Unsupported Media Type"),
    422: gettext_lazy("Unprocessable Content"),
    429: gettext_lazy("Too Many Requests"),
    500: gettext_lazy("Internal Server Error"),
    503: gettext_lazy("Service Unavailable"),
}


def problem_title(status_code: int) -> str:
    """The problem's title: the HTTP status phrase, translated."""
    return str(TITLES.get(status_code, HTTPStatus(status_code).phrase))


def problem_body(status_code: int, code: str, detail: str, **extra: Any) -> dict[str, Any]:
    """The members every problem has, plus any extension members."""
    return {
        "type": problem_type(code),
        "title": problem_title(status_code),
        "status": status_code,
        "detail": detail,
        **extra,
    }


def _flatten(errors: Any, prefix: str = "") -> dict[str, list[str]]:
    """Turn DRF's nested error structure into `{"field" or "field.0": [messages]}`."""
    if isinstance(errors, dict):
        flat: dict[str, list[str]] = {}
        for key, value in errors.items():
            flat.update(_flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return flat
    if isinstance(errors, list) and errors and all(isinstance(e, dict | list) for e in errors):
        flat = {}
        for index, value in enumerate(errors):
            if value:
                flat.update(_flatten(value, f"{prefix}.{index}" if prefix else str(index)))
        return flat
    messages = errors if isinstance(errors, list) else [errors]
    return {prefix or "non_field_errors": [str(m) for m in messages]}


def suspicious_problem(exc: SuspiciousOperation) -> tuple[int, str, str]:
    """Status, code and detail for a request Django refuses as suspicious."""
    if isinstance(exc, RequestDataTooBig):
        return 413, "payload_too_large", _("The request body is too large; send less.")
    if isinstance(exc, TooManyFieldsSent):
        detail = _("Too many query parameters or form fields (at most %(limit)d); send fewer.") % {
            "limit": settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
        }
        return 400, "too_many_fields", detail
    return 400, "bad_request", str(UNREADABLE_REQUEST)


def _render_as_json(context: dict) -> None:
    """Render the problem as JSON whatever renderer the view negotiated (the schema's YAML)."""
    request = context.get("request")
    if request is not None:
        request.accepted_renderer = JSONRenderer()
        request.accepted_media_type = PROBLEM_CONTENT_TYPE


def throttled_detail(wait: int | None) -> str:
    """What a caller over its rate limit reads (429)."""
    if wait is None:
        return _("Too many requests; slow down and retry later.")
    return _(
        "Too many requests; retry in %(seconds)d seconds (see Retry-After), and spread your "
        "requests out."
    ) % {"seconds": wait}


def problem_exception_handler(exc: Exception, context: dict) -> Any:
    """DRF exception handler: every error becomes `application/problem+json`."""
    if isinstance(exc, ProblemError):
        _render_as_json(context)
        return Response(
            problem_body(exc.status_code, exc.code, exc.detail, **exc.extra),
            status=exc.status_code,
            content_type=PROBLEM_CONTENT_TYPE,
        )

    if isinstance(exc, SuspiciousOperation):  # e.g. too many query parameters
        _render_as_json(context)
        status_code, code, detail = suspicious_problem(exc)
        return Response(
            problem_body(status_code, code, detail),
            status=status_code,
            content_type=PROBLEM_CONTENT_TYPE,
        )

    response = drf_exception_handler(exc, context)
    # With debug on, DRF reads the negotiated renderer before re-raising an unexpected error;
    # an error raised before negotiation would become an AttributeError there.
    _render_as_json(context)
    if response is None:
        return None  # an unexpected error: crisis_api.middleware answers with a problem 500
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail)
        response.data = problem_body(
            response.status_code,
            "invalid",
            _("The request is invalid; see `errors` for what to fix in each field."),
            errors=errors,
        )
    else:
        if isinstance(exc, Http404):
            code, detail = "not_found", str(NOT_VISIBLE)
        elif isinstance(exc, exceptions.Throttled):
            code, detail = exc.default_code, throttled_detail(exc.wait)
        elif isinstance(exc, exceptions.APIException):
            code, detail = exc.default_code, str(exc.detail)
        else:
            code, detail = "error", str(exc)
        response.data = problem_body(response.status_code, code, detail)
    response.content_type = PROBLEM_CONTENT_TYPE
    return response


def is_api(request) -> bool:
    """True for the paths whose every answer is problem+json."""
    return request.path.startswith("/api/")


def problem_response(status_code: int, code: str, detail: str) -> JsonResponse:
    """A problem+json response outside DRF (middleware, Django's handlers)."""
    return JsonResponse(
        problem_body(status_code, code, detail),
        status=status_code,
        content_type=PROBLEM_CONTENT_TYPE,
    )


def _status_details(request) -> dict[int, tuple[str, str]]:
    return {
        400: ("bad_request", str(UNREADABLE_REQUEST)),
        403: ("permission_denied", _("You are not allowed to do this.")),
        404: (
            "not_found",
            _("No endpoint at %(path)s; see /api/v1/docs/ for the API.") % {"path": request.path},
        ),
        405: (
            "method_not_allowed",
            _("This endpoint does not accept %(method)s; see the Allow header.")
            % {"method": request.method},
        ),
        413: ("payload_too_large", _("The request body is too large; send less.")),
        500: (
            "server_error",
            _(
                "The server failed to handle the request; retry later and quote the "
                "X-Request-ID header if you report it."
            ),
        ),
    }


def problem_for_status(request, status_code: int) -> JsonResponse:
    """The problem for an error that carries nothing but its status."""
    code, detail = _status_details(request).get(
        status_code,
        (
            "error",
            _("The request failed (%(status)s); see the API documentation at /api/v1/docs/.")
            % {"status": problem_title(status_code)},
        ),
    )
    return problem_response(status_code, code, detail)


def page_not_found(request, exception=None):
    """Django's 404 handler: problem JSON under /api/, the usual page elsewhere."""
    if is_api(request):
        return problem_for_status(request, 404)
    return defaults.page_not_found(request, exception)


def bad_request(request, exception=None):
    """Django's 400 handler: problem JSON under /api/, the usual page elsewhere."""
    if is_api(request):
        return problem_for_status(request, 400)
    return defaults.bad_request(request, exception)


def server_error(request):
    """Django's 500 handler: problem JSON under /api/, the usual page elsewhere."""
    if is_api(request):
        return problem_for_status(request, 500)
    return defaults.server_error(request)
