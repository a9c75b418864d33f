"""`GET /api/v1/incidents/{id}/report/`: the crisis report, as Markdown."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions
from rest_framework.permissions import BasePermission
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from crisis_api.auth.permissions import API_PERMISSIONS
from crisis_api.errors import InvalidInput
from crisis_api.schema import problem_example, responses
from incidents.reports.api.renderers import MarkdownRenderer
from incidents.reports.builder import report_filename, report_markdown
from incidents.reports.selectors import report_data, report_incident

DOWNLOAD_VALUES = {"true": True, "1": True, "false": False, "0": False}
REPORT_EXAMPLE = """# Crisis report CR-2026-0042: Viral video of a rude delivery driver

| Field | Value |
|---|---|
| Reference | CR-2026-0042 |
| Status | Reviewed |
| Severity | High |

## Summary

A customer filmed a driver insulting him; 40k shares in two hours.

## Timeline

| # | When | Who | What | Note |
|---|---|---|---|---|
| 1 | Nov. 25, 2026, 6:45 a.m. | alice | Created | — |
| 2 | Nov. 25, 2026, 7 a.m. | alice | Assess (Detected → Assessed) | — |
"""


class ReportPermission(BasePermission):
    """Reading a report needs `incidents.view_incident` (every role but monitor)."""

    message = _("Your account has no role; ask a manager to give you one.")

    def has_permission(self, request, view):
        return request.user.has_perm("incidents.view_incident")


def _download(request) -> bool:
    raw = request.query_params.get("download")
    if raw is None:
        return False
    try:
        return DOWNLOAD_VALUES[raw.lower()]
    except KeyError:
        raise exceptions.ValidationError({"download": [_("Use true or false.")]}) from None


class IncidentReportView(APIView):
    """The whole story of one incident, as a Markdown document."""

    permission_classes = [*API_PERMISSIONS, ReportPermission]
    renderer_classes = [MarkdownRenderer]
    action = "report"

    def finalize_response(self, request, response, *args, **kwargs):
        """OPTIONS describes the endpoint in JSON, as everywhere else (the Markdown renderer
        only writes reports)."""
        if request.method == "OPTIONS" and response.status_code == 200:
            request.accepted_renderer, request.accepted_media_type = (
                JSONRenderer(),
                "application/json",
            )
        return super().finalize_response(request, response, *args, **kwargs)

    @extend_schema(
        operation_id="incidents_report",
        summary=_("The crisis report: the whole story as Markdown"),
        description=_(
            "Header (reference, title, status, severity, scope, owner, dates and deadlines), "
            "summary, assessment and rationale, signals, timeline (the first 500 events), "
            "communications published, actions and compensations, resolution, review and its "
            "metrics; in the language of Accept-Language. Text written by people is escaped: "
            "it cannot change the document's structure. `inline` by default; "
            "`?download=true` answers it as an attachment (CR-2026-0042.md)."
        ),
        parameters=[
            OpenApiParameter(
                "download",
                OpenApiTypes.BOOL,
                description=_("Send it as a file to save (Content-Disposition: attachment)."),
            ),
            OpenApiParameter(
                "Content-Disposition",
                str,
                OpenApiParameter.HEADER,
                response=[200],
                description=_('inline or attachment, with filename="<reference>.md".'),
            ),
        ],
        responses=responses(
            {
                200: OpenApiResponse(
                    OpenApiTypes.STR,
                    description=_("The report (text/markdown; charset=utf-8)."),
                    examples=[OpenApiExample("The beginning of a report", value=REPORT_EXAMPLE)],
                )
            },
            400,
            401,
            403,
            404,
            s400=problem_example(
                "A download value that is not true or false",
                InvalidInput({"download": ["Use true or false."]}),
            ),
        ),
    )
    def get(self, request, id):
        download = _download(request)
        incident = report_incident(incident_id=id, user=request.user)
        text = report_markdown(report_data(incident=incident), reader=request.user)
        disposition = "attachment" if download else "inline"
        response = Response(text)
        response["Content-Disposition"] = f'{disposition}; filename="{report_filename(incident)}"'
        return response
