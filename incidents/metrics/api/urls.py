"""Routes of the team metrics endpoint."""

from django.urls import path

from incidents.metrics.api import views

urlpatterns = [path("metrics/", views.TeamMetricsView.as_view(), name="metrics")]
