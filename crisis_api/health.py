"""Liveness and readiness probes for load balancers and orchestrators."""

from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe


@never_cache
@require_safe
def healthz(request):
    """The process is up and serving requests."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def readyz(request):
    """The process can serve traffic: its database answers."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:
        response = JsonResponse(
            {"status": "unavailable", "database": f"error: {exc.__class__.__name__}"}, status=503
        )
        response["Retry-After"] = "5"
        # One log line per probe: the request's own (crisis_api.request_log), naming the error.
        request.log_error = f"database unavailable: {exc.__class__.__name__}"
        response._has_been_logged = True
        return response
    return JsonResponse({"status": "ready", "database": "ok"})
