"""Routes of the signal endpoints."""

from django.urls import path

from incidents.monitoring.api import views

urlpatterns = [
    path("signals/", views.SignalBatchView.as_view(), name="signal-batch"),
    path(
        "incidents/<uuid:incident_id>/signals/",
        views.IncidentSignalListView.as_view(),
        name="incident-signals",
    ),
    path(
        "incidents/<uuid:incident_id>/signals/summary/",
        views.IncidentSignalsSummaryView.as_view(),
        name="incident-signals-summary",
    ),
    path(
        "incidents/<uuid:incident_id>/assessment-suggestion/",
        views.AssessmentSuggestionView.as_view(),
        name="incident-assessment-suggestion",
    ),
]
