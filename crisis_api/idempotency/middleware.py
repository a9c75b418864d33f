"""The middleware that gives every POST under /api/ an optional `Idempotency-Key`."""

from django.http import HttpResponse

from crisis_api import errors
from crisis_api.auth.token_use import api_token_find
from crisis_api.clock import request_now
from crisis_api.idempotency import services
from crisis_api.idempotency.services import HEADER, VALID_KEY, KeyInvalid


def _problem(exc: errors.ProblemError) -> HttpResponse:
    return errors.problem_response(exc.status_code, exc.code, exc.detail)


def caller_scope(request) -> str | None:
    """Whose keys these are: the bearer token's, else the session user's; None when neither.

    A request without valid credentials is not claimed: its view answers 401, and a key
    that no one owns would protect nothing.
    """
    authorization = request.headers.get("Authorization", "").split()
    if len(authorization) == 2 and authorization[0].lower() == "bearer":
        token = api_token_find(authorization[1])
        return f"token:{token.pk}" if token is not None else None
    if authorization:
        return None
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return None


class IdempotencyKeyMiddleware:
    """Claims the key before the view runs, stores or releases it after; replays repeats.

    Place it after AuthenticationMiddleware (session callers) and BodySizeLimitMiddleware
    (a body over the limit gets its 413 before this reads it).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            response = self.get_response(request)
        except BaseException:
            claim = getattr(request, "_idempotency_claim", None)
            if claim is not None:
                services.idempotency_release(row=claim)
            raise
        claim = getattr(request, "_idempotency_claim", None)
        if claim is not None:
            services.idempotency_finish(row=claim, response=response)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method != "POST" or not errors.is_api(request):
            return None
        key = request.headers.get(HEADER)
        if key is None:
            return None
        scope = caller_scope(request)
        if scope is None:
            return None  # the view answers 401 (or 403 to a session without a CSRF token)
        if not VALID_KEY.match(key):
            return _problem(KeyInvalid())
        fingerprint = services.request_fingerprint(
            method=request.method, path=request.get_full_path(), body=request.body
        )
        try:
            claim = services.idempotency_claim(
                scope=scope, key=key, fingerprint=fingerprint, now=request_now(request)
            )
        except errors.ProblemError as exc:
            return _problem(exc)
        if claim.replay:
            return services.idempotency_replay(claim.row)
        request._idempotency_claim = claim.row
        return None
