"""Routes of the communication endpoints."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from incidents.communications.api import views

router = SimpleRouter()
router.register("communications", views.CommunicationViewSet, basename="communication")
router.register("templates", views.TemplateViewSet, basename="template")

urlpatterns = [
    path(
        "incidents/<uuid:incident_id>/communications/",
        views.IncidentCommunicationsView.as_view(),
        name="incident-communications",
    ),
    path("tone-check/", views.ToneCheckView.as_view(), name="tone-check"),
    *router.urls,
]
