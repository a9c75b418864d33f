"""`GET /api/v1/metrics/`: the team's figures over a period."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from crisis_api.auth.permissions import API_PERMISSIONS
from crisis_api.clock import request_now
from crisis_api.errors import InvalidInput
from crisis_api.schema import problem_example, responses
from incidents.metrics.api.examples import METRICS_EXAMPLE
from incidents.metrics.api.serializers import MetricsSerializer
from incidents.metrics.period import MetricsPeriodInputSerializer
from incidents.metrics.selectors import team_metrics


class MetricsPermission(BasePermission):
    """Whoever may read incidents may read the metrics of those they see."""

    message = _("Your account has no role; ask a manager to give you one.")

    def has_permission(self, request, view):
        return request.user.has_perm("incidents.view_incident")


def _bound(name: str, description) -> OpenApiParameter:
    return OpenApiParameter(
        name,
        OpenApiTypes.STR,
        OpenApiParameter.QUERY,
        description=description,
        examples=[
            OpenApiExample("A date", value="2026-01-01"),
            OpenApiExample("A date-time", value="2026-01-01T00:00:00+01:00"),
        ],
    )


BAD_PERIOD = problem_example(
    "A bound that is not a date, or a period backwards or longer than 5 years",
    InvalidInput({"to": ["Give a `to` later than `from`."]}),
)


class TeamMetricsView(APIView):
    """The team's figures over a period (a monitor's account is refused: no `feed_actions`)."""

    permission_classes = [*API_PERMISSIONS, MetricsPermission]
    action = "metrics"

    @extend_schema(
        operation_id="metrics_retrieve",
        summary=_("Team metrics over a period: counts, times, deadlines, signals, compensations"),
        description=_(
            "Incidents detected in the period (from `from` included to `to` excluded; by "
            "default the last 90 days; at most 5 years), those the caller may see (managers: "
            "every one), and what is attached to them. Times are in seconds from detection: "
            "to assessment, to the first response start (a reopening does not move it), to the "
            "first public communication, and to resolution (resolved incidents only, not "
            "dismissed ones). Median and 90th percentile by linear interpolation between "
            "closest ranks (PostgreSQL's percentile_cont). Deadlines by state now: met, missed "
            "(met late), breached (still open, past due), on track and at risk (still open, "
            "within time), pending (not assessed); a dismissal ends both deadlines."
        ),
        parameters=[
            _bound("from", _("Detected on or after this (default: 90 days before `to`).")),
            _bound("to", _("Detected before this; a date includes that day (default: now).")),
        ],
        responses=responses({200: MetricsSerializer}, 400, 401, 403, s400=BAD_PERIOD),
        examples=[OpenApiExample("A quarter", value=METRICS_EXAMPLE, response_only=True)],
    )
    def get(self, request):
        now = request_now(request)
        period = MetricsPeriodInputSerializer(data=request.query_params, context={"now": now})
        period.is_valid(raise_exception=True)
        metrics = team_metrics(user=request.user, period=period.validated_data, now=now)
        return Response(MetricsSerializer(metrics).data)
