"""Routes of the platform's endpoints."""

from rest_framework.routers import SimpleRouter

from crisis_api.api.tokens import ApiTokenViewSet

router = SimpleRouter()
router.register("tokens", ApiTokenViewSet, basename="apitoken")

urlpatterns = router.urls
