"""App configuration for incidents."""

from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    """The incident lifecycle."""

    name = "incidents"
