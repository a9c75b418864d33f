"""Refuse to serve in production without a secret key and allowed hosts."""

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured


def production_settings_problems() -> list[str]:
    """What is missing to serve with debug off ([] when all is set)."""
    if settings.DEBUG:
        return []
    problems = []
    if settings.SECRET_KEY == settings.INSECURE_SECRET_KEY:
        problems.append("set DJANGO_SECRET_KEY to a long random string")
    if not settings.ALLOWED_HOSTS:
        problems.append("set DJANGO_ALLOWED_HOSTS to the host names clients use (comma-separated)")
    return problems


def require_production_settings() -> None:
    """Called by the WSGI/ASGI entry points before they serve anything."""
    problems = production_settings_problems()
    if problems:
        raise ImproperlyConfigured(
            "Debug is off, so Crisis API will not serve until you "
            + "; and ".join(problems)
            + " (or set DJANGO_DEBUG=1 on a development machine)."
        )


@checks.register(checks.Tags.security, deploy=True)
def check_production_settings(app_configs, **kwargs):
    """`manage.py check --deploy` reports what config.wsgi would refuse to serve without."""
    return [
        checks.Error(f"Debug is off: {problem}.", id="crisis_api.E001")
        for problem in production_settings_problems()
    ]
