"""The "Download report" button of the incident page and the admin view behind it.

The view serves what the API serves (same selectors, same builder), as a file, in the
manager's admin language; it answers only for incidents the manager may see.
"""

from django.http import Http404, HttpResponse
from django.urls import path, reverse

from incidents.reports.builder import report_filename, report_markdown
from incidents.reports.selectors import report_data, report_incident


class ReportAdminMixin:
    """For the incident ModelAdmin: the button (in the page's tools) and the download."""

    change_form_template = "admin/incidents/incident/change_form.html"

    def _report_url_name(self) -> str:
        meta = self.model._meta
        return f"{meta.app_label}_{meta.model_name}_report"

    def get_urls(self):
        download = self.admin_site.admin_view(self.report_view)
        return [
            path("<path:object_id>/report/", download, name=self._report_url_name()),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        report_url = reverse(f"admin:{self._report_url_name()}", args=[object_id])
        extra = {"report_url": report_url, **(extra_context or {})}
        return super().change_view(request, object_id, form_url, extra)

    def report_view(self, request, object_id):
        """The report as a Markdown file."""
        incident = self.get_object(request, object_id)
        if incident is None or not self.has_view_permission(request, incident):
            raise Http404
        incident = report_incident(incident_id=incident.pk, user=request.user)
        text = report_markdown(report_data(incident=incident), reader=request.user)
        response = HttpResponse(text, content_type="text/markdown; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{report_filename(incident)}"'
        return response
