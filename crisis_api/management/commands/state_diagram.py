"""Write the state diagram (SVG) of every model with a state machine, from its transitions.

    python manage.py state_diagram            # writes <app>/static/<app>/<model>-state-diagram.svg
    python manage.py state_diagram --stdout   # prints them instead (or --print)

Run it after changing a `@transition`; a test fails until you do. The committed pictures are
in English; the admin draws them in the reader's language.
"""

from pathlib import Path

from django.apps import apps
from django.core.management.base import BaseCommand
from django.utils import translation

from crisis_api.lifecycle.diagram import state_diagram_svg
from crisis_api.lifecycle.machine import StateMachine, all_machines


def diagram_path(machine: StateMachine) -> Path:
    """Where the committed SVG of `machine` lives: in its app's static files."""
    meta = machine.model._meta
    app = apps.get_app_config(meta.app_label)
    return Path(app.path) / "static" / meta.app_label / f"{meta.model_name}-state-diagram.svg"


def committed_svg(machine: StateMachine) -> str:
    """The diagram as it is committed (English)."""
    with translation.override("en"):
        return state_diagram_svg(machine)


class Command(BaseCommand):
    help = "Write the state diagram (SVG) of each model with a state machine."

    def add_arguments(self, parser):
        # "--print" sorts first, so call_command(stdout=...) still means the output stream.
        parser.add_argument(
            "--print", "--stdout", action="store_true", dest="print_svg", help="Print the SVGs."
        )

    def handle(self, *args, print_svg=False, **options):
        for machine in all_machines():
            svg = committed_svg(machine)
            if print_svg:
                self.stdout.write(svg, ending="")
                continue
            path = diagram_path(machine)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(svg, encoding="utf-8", newline="\n")
            self.stdout.write(f"Wrote {path}")
