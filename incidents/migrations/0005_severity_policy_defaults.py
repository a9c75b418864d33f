"""The default severity policy, and the deadlines of incidents assessed before it existed.

The windows replace the `RESPONSE_HOURS_*` settings (whose defaults were the response windows
below). Incidents already assessed keep their response deadline and get a resolution deadline
from the same assessment time; the instants derived from them (at risk, next due) are filled
in as `Incident.save()` would.
"""

from datetime import timedelta

from django.db import migrations

DEFAULTS = {  # severity: (time to respond, time to resolve)
    "critical": (timedelta(hours=1), timedelta(hours=24)),
    "high": (timedelta(hours=4), timedelta(days=3)),
    "medium": (timedelta(hours=24), timedelta(days=7)),
    "low": (timedelta(hours=72), timedelta(days=14)),
}


def _at_risk(start, due):
    return start + (due - start) * 3 / 4


def create_policies_and_backfill(apps, schema_editor):
    SeverityPolicy = apps.get_model("incidents", "SeverityPolicy")
    Incident = apps.get_model("incidents", "Incident")
    SeverityPolicy.objects.bulk_create(
        [
            SeverityPolicy(severity=severity, response_window=respond, resolution_window=resolve)
            for severity, (respond, resolve) in DEFAULTS.items()
        ],
        ignore_conflicts=True,
    )
    fields = [
        "response_due_at", "resolution_due_at", "response_at_risk_at", "resolution_at_risk_at",
        "next_due_at",
    ]  # fmt: skip
    assessed = Incident.objects.filter(assessed_at__isnull=False, severity__in=list(DEFAULTS))
    batch = []
    for incident in assessed.order_by("pk").iterator(chunk_size=500):
        start = incident.assessed_at
        respond, resolve = DEFAULTS[incident.severity]
        incident.response_due_at = incident.response_due_at or start + respond
        incident.resolution_due_at = start + resolve
        incident.response_at_risk_at = _at_risk(start, incident.response_due_at)
        incident.resolution_at_risk_at = _at_risk(start, incident.resolution_due_at)
        open_dues = []
        if incident.first_response_at is None and incident.resolved_at is None:
            open_dues.append(incident.response_due_at)
        if incident.resolved_at is None:
            open_dues.append(incident.resolution_due_at)
        incident.next_due_at = min(open_dues, default=None)
        batch.append(incident)
        if len(batch) == 500:
            Incident.objects.bulk_update(batch, fields)
            batch = []
    Incident.objects.bulk_update(batch, fields)


class Migration(migrations.Migration):
    dependencies = [("incidents", "0004_severity_policy_and_deadlines")]

    operations = [
        migrations.RunPython(create_policies_and_backfill, migrations.RunPython.noop),
    ]
