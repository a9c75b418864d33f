"""Routes of the platform's endpoints."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from crisis_api.api.audit import AuditCheckpointViewSet, AuditVerifyView
from crisis_api.api.tokens import ApiTokenViewSet

router = SimpleRouter()
router.register("tokens", ApiTokenViewSet, basename="apitoken")
router.register("audit/checkpoints", AuditCheckpointViewSet, basename="auditcheckpoint")

urlpatterns = [
    *router.urls,
    path("audit/verify/", AuditVerifyView.as_view(), name="audit-verify"),
]
