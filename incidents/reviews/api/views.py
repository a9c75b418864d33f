"""`GET /api/v1/reviews/`: the lessons of past crises, searched."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import generics
from rest_framework.permissions import BasePermission

from crisis_api.auth.permissions import API_PERMISSIONS
from crisis_api.pagination import CappedPagePagination
from crisis_api.schema import responses
from incidents.models import IncidentReview
from incidents.reviews import selectors
from incidents.reviews.api.filters import ReviewFilter
from incidents.reviews.api.serializers import METRICS_EXAMPLE, ReviewSearchResultSerializer

RESULT_EXAMPLE = {
    "incident": {
        "id": "3f6c1d2e-8a4b-4c5d-9e7f-0a1b2c3d4e5f",
        "reference": "CR-2026-0042",
        "title": "Viral video of a rude delivery driver",
        "severity": "high",
        "category": "conduct",
    },
    "summary": "A customer filmed a driver insulting him; 40k shares in two hours.",
    "root_cause": "The subcontractor had no code of conduct for its drivers.",
    "what_went_well": "We apologized publicly within the hour and called the customer.",
    "what_went_wrong": "Support answered with a template for a day.",
    "lessons_learned": "Apologize first, then explain the measures taken.",
    "follow_up_actions": ["Code of conduct in every subcontract"],
    "reviewed_by": "marie",
    "reviewed_at": "2026-11-28T16:00:00Z",
    "metrics": METRICS_EXAMPLE,
    "rank": 0.0759,
    "snippet": "… We <mark>apologized</mark> publicly within the hour … Support answered with a "
    "template for a day · <mark>Apologize</mark> first, then explain the measures taken.",
}


class ReviewSearchPagination(CappedPagePagination):
    """Twenty results a page, at most fifty; the first ten pages."""

    example_url = "https://crisis.example.org/api/v1/reviews/"

    beyond_last_page_hint = _(
        "Only the most relevant results are paged: narrow the search with q, category, "
        "severity or the review dates."
    )


class ReviewPermission(BasePermission):
    """Reading reviews needs `incidents.view_incidentreview` (every role but monitor)."""

    message = _("Your account has no role; ask a manager to give you one.")

    def has_permission(self, request, view):
        return request.user.has_perm("incidents.view_incidentreview")


@extend_schema_view(
    get=extend_schema(
        operation_id="reviews_search",
        summary=_("Search the lessons of past crises"),
        description=_(
            "Reviews of the incidents you may see. With `q`: those whose summary, root cause, "
            "what went well, what went wrong, lessons learned or follow-ups match, most "
            "relevant first, each with a highlighted `snippet`. On PostgreSQL: full-text "
            "search with French and English stemming (`excuse` finds “excuses”, `apologize` "
            'finds “apologized”), web-search syntax ("a phrase", or, -word); on SQLite every '
            "word must appear in the text. Without `q`: the newest first. Pages of at most 50, "
            "the first 10 pages only."
        ),
        responses=responses({200: ReviewSearchResultSerializer(many=True)}, 400, 401, 403),
        examples=[
            OpenApiExample(
                "Lessons about apologies (q=apologize)",
                value=RESULT_EXAMPLE,
                response_only=True,
            )
        ],
    )
)
class ReviewSearchView(generics.ListAPIView):
    """The lessons search."""

    serializer_class = ReviewSearchResultSerializer
    permission_classes = [*API_PERMISSIONS, ReviewPermission]
    filterset_class = ReviewFilter
    pagination_class = ReviewSearchPagination
    action = "list"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return IncidentReview.objects.none()
        return selectors.reviews_visible_to(self.request.user)

    def get_serializer_context(self):
        text = self.request.query_params.get("q", "") if hasattr(self, "request") else ""
        return {**super().get_serializer_context(), "search_text": text.strip()}
