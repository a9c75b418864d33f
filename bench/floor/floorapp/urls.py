"""Routes of the floor app."""

from django.urls import path

from floorapp import views

urlpatterns = [
    path("floor/incidents/", views.IncidentList.as_view()),
    path("floor/incidents/new/", views.IncidentCreate.as_view()),
    path("floor/incidents/<uuid:pk>/", views.IncidentDetail.as_view()),
]
