"""CSV export of incidents, safe to open in a spreadsheet."""

import csv

from django.http import HttpResponse
from django.utils import timezone

COLUMNS = [
    "reference", "title", "status", "severity", "scope", "category", "channels", "impact",
    "owner", "is_confidential", "estimated_reach", "affected_count", "detected_at",
    "assessed_at", "response_due_at", "resolution_due_at", "overdue", "response_started_at",
    "resolved_at", "reviewed_at", "resolution", "resolution_summary",
]  # fmt: skip
# Cells starting with these run as formulas in spreadsheets (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(incident, column: str) -> str:
    value = getattr(incident, column)
    if column == "owner":
        value = value.username if value else ""
    elif isinstance(value, list):
        value = ";".join(value)
    elif hasattr(value, "isoformat"):
        value = value.isoformat()
    elif value is None:
        value = ""
    value = str(value)
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def incidents_csv(incidents) -> HttpResponse:
    """A CSV download of `incidents`, one row each, in the given order."""
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="incidents-{stamp}.csv"'
    writer = csv.writer(response)
    writer.writerow(COLUMNS)
    for incident in incidents:
        writer.writerow([_cell(incident, column) for column in COLUMNS])
    return response
