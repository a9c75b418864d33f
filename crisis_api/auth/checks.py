"""System checks for the token settings: a bad lifetime must stop the service from starting."""

from django.conf import settings
from django.core import checks
from django.utils.translation import gettext as _


def token_settings_problems() -> list[str]:
    """What is wrong with the API_TOKEN_* settings ([] when they are consistent)."""
    default = settings.API_TOKEN_DEFAULT_DAYS
    maximum = settings.API_TOKEN_MAX_DAYS
    minutes = settings.API_TOKEN_LAST_USED_MINUTES
    problems = []
    if maximum < 1:
        problems.append(
            _("API_TOKEN_MAX_DAYS is %(max)s; set it to 1 or more (every token expires).")
            % {"max": maximum}
        )
    if not 1 <= default <= max(maximum, 1):
        problems.append(
            _(
                "API_TOKEN_DEFAULT_DAYS is %(default)s but must be between 1 and "
                "API_TOKEN_MAX_DAYS (%(max)s); lower the default or raise the maximum."
            )
            % {"default": default, "max": maximum}
        )
    if minutes < 1:
        problems.append(
            _("API_TOKEN_LAST_USED_MINUTES is %(minutes)s; set it to 1 or more.")
            % {"minutes": minutes}
        )
    return problems


@checks.register(checks.Tags.security)
def check_token_settings(app_configs, **kwargs):
    """`migrate`, `runserver` and `check` stop on inconsistent token settings."""
    return [checks.Error(problem, id="crisis_api.E101") for problem in token_settings_problems()]
