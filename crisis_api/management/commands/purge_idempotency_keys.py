"""`manage.py purge_idempotency_keys`: delete the idempotency keys past their replay period."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from crisis_api.idempotency.services import idempotency_keys_purge


class Command(BaseCommand):
    help = "Delete the idempotency keys whose replay period (IDEMPOTENCY_KEY_HOURS) is over."

    def handle(self, *args, **options):
        deleted = idempotency_keys_purge(now=timezone.now())
        self.stdout.write(f"Deleted {deleted} expired idempotency keys.")
