"""App configuration for the shared platform."""

from django.apps import AppConfig


class CrisisApiConfig(AppConfig):
    """Registers the platform's models, checks and schema extensions."""

    name = "crisis_api"
    verbose_name = "Platform"

    def ready(self) -> None:
        from crisis_api import checks, schema  # noqa: F401  (registers checks and extensions)
        from crisis_api.auth import checks as token_checks  # noqa: F401
