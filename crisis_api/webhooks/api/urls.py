"""Routes of the webhook endpoints."""

from rest_framework.routers import SimpleRouter

from crisis_api.webhooks.api.views import DeliveryViewSet, EndpointViewSet

router = SimpleRouter()
router.register("webhooks", EndpointViewSet, basename="webhook")
router.register("deliveries", DeliveryViewSet, basename="delivery")

urlpatterns = router.urls
