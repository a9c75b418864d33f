"""Routes of the lessons search."""

from django.urls import path

from incidents.reviews.api import views

urlpatterns = [path("reviews/", views.ReviewSearchView.as_view(), name="review-search")]
