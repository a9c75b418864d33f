"""`manage.py sweep`: cron runs it every minute (see README, "Background work")."""

from django.core.management.base import BaseCommand

from crisis_api.webhooks.sweeper import sweep


class Command(BaseCommand):
    help = (
        "Re-enqueue webhook deliveries whose worker died or whose task vanished, and run the "
        "periodic jobs of SWEEPER_JOBS that are due. Safe to run twice at once."
    )

    def handle(self, *args, **options):
        count, jobs = sweep(stdout=self.stdout)
        self.stdout.write(f"Re-enqueued {count} deliveries; ran {', '.join(jobs) or 'no jobs'}.")
