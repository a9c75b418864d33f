"""Write the incident state diagram (SVG), drawn from the model's transitions.

    python manage.py state_diagram            # writes incidents/static/incidents/state-diagram.svg
    python manage.py state_diagram --stdout   # prints it instead (or --print)

Run it after changing a `@transition`; tests/incidents/test_diagram.py fails until you do.
"""

from pathlib import Path

from django.apps import apps
from django.core.management.base import BaseCommand

from incidents.diagram import state_diagram_svg


def diagram_path() -> Path:
    """The committed SVG, in the incidents app's static files."""
    return (
        Path(apps.get_app_config("incidents").path) / "static" / "incidents" / "state-diagram.svg"
    )


class Command(BaseCommand):
    help = "Write the incident state diagram (SVG) generated from the model's transitions."

    def add_arguments(self, parser):
        # "--print" sorts first, so call_command(stdout=...) still means the output stream.
        parser.add_argument(
            "--print", "--stdout", action="store_true", dest="print_svg", help="Print the SVG."
        )

    def handle(self, *args, print_svg=False, **options):
        svg = state_diagram_svg()
        if print_svg:
            self.stdout.write(svg, ending="")
            return
        path = diagram_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(svg, encoding="utf-8", newline="\n")
        self.stdout.write(f"Wrote {path}")
