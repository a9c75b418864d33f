"""Pages an app adds to the managers' workspace (kept apart: AppConfigs import it early).

An app declares them in its AppConfig as `admin_pages`, a list of AdminPage; the admin site
(crisis_api.admin_site) serves each under `admin/<path>` behind its own login and permission
check, names its URL `admin:<name>`, and lists it on the home page.
"""

from dataclasses import dataclass

from django.apps import apps


@dataclass(frozen=True)
class AdminPage:
    """A page of the workspace: its path, its view (a dotted path), its URL name, and the
    label and description the home page shows."""

    path: str
    view: str
    name: str
    label: object
    description: object = ""


def admin_pages() -> list[AdminPage]:
    """The pages every installed app declares, in the order of INSTALLED_APPS."""
    return [
        page for config in apps.get_app_configs() for page in getattr(config, "admin_pages", ())
    ]
