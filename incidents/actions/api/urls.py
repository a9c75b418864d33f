"""Routes of the action endpoints."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from incidents.actions.api import views

router = SimpleRouter()
router.register("actions", views.ActionViewSet, basename="action")

urlpatterns = [
    path(
        "incidents/<uuid:incident_id>/actions/",
        views.IncidentActionListView.as_view(),
        name="incident-actions",
    ),
    *router.urls,
]
