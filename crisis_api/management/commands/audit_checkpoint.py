"""Record a signed checkpoint of every stream's head (run it periodically, e.g. by the sweeper)."""

import json

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from crisis_api.events.checkpoints import checkpoint_create


class Command(BaseCommand):
    help = (
        "Record the head (sequence, hash) of every event stream in a checkpoint signed with "
        "AUDIT_CHECKPOINT_KEY, store it and append an audit.checkpoint event (sent to webhooks). "
        "Keep the file elsewhere: `verify_audit --checkpoint FILE` checks the log against it."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output", "-o", help="Also write the checkpoint (JSON) to this file ('-': stdout)."
        )

    def handle(self, *args, **options):
        try:
            checkpoint = checkpoint_create()
        except ImproperlyConfigured as error:
            raise CommandError(str(error)) from error
        text = json.dumps(checkpoint.document, indent=2, sort_keys=True)
        output = options.get("output")
        if output == "-":
            self.stdout.write(text)
            return
        if output:
            with open(output, "w", encoding="utf-8") as file:
                file.write(text + "\n")
        self.stdout.write(
            self.style.SUCCESS(
                f"Checkpoint {checkpoint.pk}: {checkpoint.streams} streams, "
                f"{checkpoint.events} events" + (f", written to {output}." if output else ".")
            )
        )
