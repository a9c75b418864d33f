"""Recompute every event chain and report the first broken event of each broken stream."""

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    TextColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from crisis_api.events.checkpoints import document_errors, verify_against
from crisis_api.events.verification import events_expected, verify_all


class _RateColumn(ProgressColumn):
    """Events verified per second, so far."""

    def render(self, task) -> Text:
        speed = task.finished_speed or task.speed
        if speed is None:
            return Text("")
        return Text(_("%(rate)s events/s") % {"rate": f"{speed:,.0f}"})


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
        with self._progress_bar() as advance:
            for report in verify_all(progress=advance):
                streams += 1
                events += report.events
                if not report.valid:
                    broken.append(report)
        for report in broken:
            if report.first_invalid_sequence is not None:
                where = _("first invalid event is sequence %(sequence)d") % {
                    "sequence": report.first_invalid_sequence
                }
            else:
                where = _("cross-check failed")
            self.stdout.write(
                _("BROKEN %(stream)s: %(where)s (%(reason)s)")
                % {"stream": report.stream, "where": where, "reason": report.reason}
            )
        rate = self._rate(events, started)
        if broken:
            raise CommandError(
                _(
                    "%(broken)d of %(streams)d streams are broken; restore them from a backup "
                    "and investigate who changed the table."
                )
                % {"broken": len(broken), "streams": streams},
                returncode=1,
            )
        self.stdout.write(
            self.style.SUCCESS(
                _("OK: %(streams)d streams, %(events)d events verified (%(rate)s).")
                % {"streams": streams, "events": events, "rate": rate}
            )
        )

    @contextmanager
    def _progress_bar(self) -> Iterator[Callable[[int], None] | None]:
        """A progress bar on standard error when it is a terminal (events verified of those
        the stream heads announce, the rate, the time left); nothing otherwise."""
        console = Console(file=self.stderr._out, stderr=True)
        if not console.is_terminal:
            yield None
            return
        progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            _RateColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=True,
        )
        with progress:
            task = progress.add_task(_("Verifying the event log"), total=events_expected())
            yield lambda count: progress.advance(task, count)

    @staticmethod
    def _rate(events: int, started: float) -> str:
        elapsed = max(time.perf_counter() - started, 1e-6)
        return _("%(rate)s events/s in %(seconds)s s") % {
            "rate": f"{events / elapsed:,.0f}",
            "seconds": f"{elapsed:.2f}",
        }

    def _against_checkpoint(self, path: str, started: float) -> None:
        try:
            with open(path, encoding="utf-8") as file:
                document = json.load(file)
        except (OSError, ValueError) as error:
            raise CommandError(
                _("Cannot read the checkpoint %(path)s: %(error)s") % {"path": path, "error": error}
            ) from error
        errors = document_errors(document)
        if errors:
            details = "; ".join(f"{name}: {message}" for name, message in errors.items())
            raise CommandError(
                _("%(path)s is not a checkpoint: %(details)s") % {"path": path, "details": details}
            )
        try:
            verdict = verify_against(document)
        except ImproperlyConfigured as error:
            raise CommandError(str(error)) from error
        if not verdict.signature_valid:
            raise CommandError(
                _(
                    "The signature of %(path)s does not match: it was not signed with this "
                    "AUDIT_CHECKPOINT_KEY, or it was edited. Nothing was verified against it."
                )
                % {"path": path},
                returncode=1,
            )
        for problem in verdict.problems:
            self.stdout.write(f"{problem.problem.upper()} {problem.stream}: {problem.detail}")
        rate = self._rate(verdict.events_checked, started)
        if not verdict.valid:
            raise CommandError(
                _("%(count)d streams differ from the checkpoint of %(created_at)s or are broken.")
                % {"count": len(verdict.problems), "created_at": verdict.checkpoint_created_at},
                returncode=1,
            )
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "OK against the checkpoint of %(created_at)s: %(streams)d streams, "
                    "%(events)d events (%(rate)s)."
                )
                % {
                    "created_at": verdict.checkpoint_created_at,
                    "streams": verdict.streams_checked,
                    "events": verdict.events_checked,
                    "rate": rate,
                }
            )
        )
