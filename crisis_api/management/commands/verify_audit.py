"""Recompute every event chain and report the first broken event of each broken stream."""

from django.core.management.base import BaseCommand, CommandError

from crisis_api.events.verification import verify_all


class Command(BaseCommand):
    help = "Verify the hash chains of the event log; exits 1 if any stream is broken."

    def handle(self, *args, **options):
        streams = events = 0
        broken = []
        for report in verify_all():
            streams += 1
            events += report.events
            if not report.valid:
                broken.append(report)
                self.stdout.write(
                    f"BROKEN {report.stream}: first invalid event is sequence "
                    f"{report.first_invalid_sequence} ({report.reason})"
                )
        if broken:
            raise CommandError(
                f"{len(broken)} of {streams} streams are broken; restore them from a backup "
                "and investigate who changed the table.",
                returncode=1,
            )
        self.stdout.write(self.style.SUCCESS(f"OK: {streams} streams, {events} events verified."))
