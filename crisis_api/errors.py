"""Problem details (RFC 9457) for every error under /api/, DRF's and Django's alike."""

from http import HTTPStatus
from typing import Any

from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

PROBLEM_CONTENT_TYPE = "application/problem+json"


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
            f"The resource changed since you read it (current version {current_version}); "
            "GET it again and retry with the new ETag.",
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


def problem_body(status_code: int, code: str, detail: str, **extra: Any) -> dict[str, Any]:
    """The members every problem has, plus any extension members."""
    return {
        "type": problem_type(code),
        "title": HTTPStatus(status_code).phrase,
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


def problem_exception_handler(exc: Exception, context: dict) -> Any:
    """DRF exception handler: every error becomes `application/problem+json`."""
    if isinstance(exc, ProblemError):
        return Response(
            problem_body(exc.status_code, exc.code, exc.detail, **exc.extra),
            status=exc.status_code,
            content_type=PROBLEM_CONTENT_TYPE,
        )

    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # an unexpected error: Django's handler500 answers
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail)
        response.data = problem_body(
            response.status_code,
            "invalid",
            "The request is invalid; see `errors` for what to fix in each field.",
            errors=errors,
        )
    else:
        if isinstance(exc, Http404):
            code, detail = "not_found", "No such resource, or you are not allowed to see it."
        elif isinstance(exc, exceptions.APIException):
            code, detail = exc.default_code, str(exc.detail)
        else:
            code, detail = "error", str(exc)
        response.data = problem_body(response.status_code, code, detail)
    response.content_type = PROBLEM_CONTENT_TYPE
    return response


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def _problem_response(status_code: int, code: str, detail: str) -> JsonResponse:
    return JsonResponse(
        problem_body(status_code, code, detail),
        status=status_code,
        content_type=PROBLEM_CONTENT_TYPE,
    )


def page_not_found(request, exception=None):
    """Django's 404 handler: problem JSON under /api/, the usual page elsewhere."""
    if _is_api(request):
        return _problem_response(
            404, "not_found", f"No endpoint at {request.path}; see /api/v1/docs/ for the API."
        )
    return defaults.page_not_found(request, exception)


def server_error(request):
    """Django's 500 handler: problem JSON under /api/, the usual page elsewhere."""
    if _is_api(request):
        return _problem_response(
            500,
            "server_error",
            "The server failed to handle the request; retry later and quote the X-Request-ID "
            "header if you report it.",
        )
    return defaults.server_error(request)
