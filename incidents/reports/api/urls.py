"""Routes of the crisis report."""

from django.urls import path

from incidents.reports.api import views

urlpatterns = [
    path("incidents/<uuid:id>/report/", views.IncidentReportView.as_view(), name="incident-report")
]
