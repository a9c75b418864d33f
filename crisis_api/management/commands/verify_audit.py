"""Recompute every event chain and report the first broken event of each broken stream."""

import json
import time

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from crisis_api.events.checkpoints import document_errors, verify_against
from crisis_api.events.verification import verify_all


class Command(BaseCommand):
    help = (
        "Verify the hash chains of the event log, each stream's head and the records they "
        "describe; with --checkpoint FILE, also that no stream was cut short, rewritten or "
        "removed since that signed checkpoint. Exits 1 if anything is wrong."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--checkpoint", metavar="FILE", help="A checkpoint written by audit_checkpoint."
        )

    def handle(self, *args, **options):
        started = time.perf_counter()
        if options.get("checkpoint"):
            self._against_checkpoint(options["checkpoint"], started)
            return
        streams = events = 0
        broken = []
        for report in verify_all():
            streams += 1
            events += report.events
            if not report.valid:
                broken.append(report)
                where = (
                    f"first invalid event is sequence {report.first_invalid_sequence}"
                    if report.first_invalid_sequence is not None
                    else "cross-check failed"
                )
                self.stdout.write(f"BROKEN {report.stream}: {where} ({report.reason})")
        rate = self._rate(events, started)
        if broken:
            raise CommandError(
                f"{len(broken)} of {streams} streams are broken; restore them from a backup "
                "and investigate who changed the table.",
                returncode=1,
            )
        self.stdout.write(
            self.style.SUCCESS(f"OK: {streams} streams, {events} events verified ({rate}).")
        )

    @staticmethod
    def _rate(events: int, started: float) -> str:
        elapsed = max(time.perf_counter() - started, 1e-6)
        return f"{events / elapsed:,.0f} events/s in {elapsed:.2f} s"

    def _against_checkpoint(self, path: str, started: float) -> None:
        try:
            with open(path, encoding="utf-8") as file:
                document = json.load(file)
        except (OSError, ValueError) as error:
            raise CommandError(f"Cannot read the checkpoint {path}: {error}") from error
        errors = document_errors(document)
        if errors:
            details = "; ".join(f"{name}: {message}" for name, message in errors.items())
            raise CommandError(f"{path} is not a checkpoint: {details}")
        try:
            verdict = verify_against(document)
        except ImproperlyConfigured as error:
            raise CommandError(str(error)) from error
        if not verdict.signature_valid:
            raise CommandError(
                f"The signature of {path} does not match: it was not signed with this "
                "AUDIT_CHECKPOINT_KEY, or it was edited. Nothing was verified against it.",
                returncode=1,
            )
        for problem in verdict.problems:
            self.stdout.write(f"{problem.problem.upper()} {problem.stream}: {problem.detail}")
        rate = self._rate(verdict.events_checked, started)
        if not verdict.valid:
            raise CommandError(
                f"{len(verdict.problems)} streams differ from the checkpoint of "
                f"{verdict.checkpoint_created_at} or are broken.",
                returncode=1,
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"OK against the checkpoint of {verdict.checkpoint_created_at}: "
                f"{verdict.streams_checked} streams, {verdict.events_checked} events ({rate})."
            )
        )
