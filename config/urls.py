"""URL configuration: the API, its schema and docs, health probes, the admin and its language."""

from django.contrib import admin
from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)

from crisis_api import errors, health

handler400 = "crisis_api.errors.bad_request"
handler404 = "crisis_api.errors.page_not_found"
handler500 = "crisis_api.errors.server_error"

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    # set_language: the admin's language switch posts here (it sets the language cookie).
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("incidents.api.urls")),
    path("api/v1/", include("incidents.monitoring.api.urls")),
    path("api/v1/", include("incidents.metrics.api.urls")),
    path("api/v1/", include("incidents.communications.api.urls")),
    path("api/v1/", include("incidents.reviews.api.urls")),
    path("api/v1/", include("incidents.reports.api.urls")),
    path("api/v1/", include("incidents.actions.api.urls")),
    path("api/v1/", include("crisis_api.api.urls")),
    path("api/v1/", include("crisis_api.webhooks.api.urls")),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's setup script from its own URL (?script): no inline
    # script, so the Content-Security-Policy can forbid them.
    path("api/v1/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
    path(
        "api/v1/redoc/",
        SpectacularRedocView.as_view(url_name="schema", template_name="crisis_api/redoc.html"),
        name="redoc",
    ),
    # Anything else under /api/ is a problem+json 404, with debug on or off.
    # csrf_exempt: a write to an unknown path must get this 404, not the CSRF failure page.
    re_path(r"^api/", csrf_exempt(errors.page_not_found)),
]
