from django.db import migrations
from django.db.models import OuterRef, Subquery, Sum


def backfill(apps, schema_editor):
    """Each incident's signal totals from its hourly tallies (ingestion keeps them from now on)."""
    Incident = apps.get_model("incidents", "Incident")
    SignalTally = apps.get_model("monitoring", "SignalTally")

    def total(column):
        sums = (
            SignalTally.objects.filter(incident=OuterRef("pk"))
            .order_by()
            .values("incident")
            .annotate(total=Sum(column))
            .values("total")
        )
        return Subquery(sums)

    Incident.objects.filter(pk__in=SignalTally.objects.values("incident")).update(
        signal_count=total("signals"), signal_reach=total("reach")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0010_signal_totals"),
        ("monitoring", "0002_signal_tallies"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True)]
