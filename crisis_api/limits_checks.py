"""System checks for the limits' settings: a bad rate must stop the service from starting."""

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

from crisis_api.throttling import parse_rate

RATE_SETTINGS = ("THROTTLE_USER_RATE", "THROTTLE_ANON_RATE", "THROTTLE_SIGNALS_RATE")


def limits_settings_problems() -> list[str]:
    """What is wrong with the throttle and idempotency settings ([] when nothing)."""
    problems = []
    for name in RATE_SETTINGS:
        rate = getattr(settings, name)
        try:
            count, _period = parse_rate(rate)
        except ImproperlyConfigured:
            count = 0
        if count < 1:
            problems.append(
                _('%(name)s is "%(rate)s"; write it as <number>/<s|min|hour|day>, e.g. 600/min.')
                % {"name": name, "rate": rate}
            )
    if settings.NUM_PROXIES < 0:
        problems.append(
            _("NUM_PROXIES is %(count)s; set it to 0 (no proxy) or the number of proxies.")
            % {"count": settings.NUM_PROXIES}
        )
    if settings.IDEMPOTENCY_KEY_HOURS < 1 or settings.IDEMPOTENCY_LOCK_SECONDS < 1:
        problems.append(_("IDEMPOTENCY_KEY_HOURS and IDEMPOTENCY_LOCK_SECONDS must be 1 or more."))
    return problems


@checks.register()
def check_limits_settings(app_configs, **kwargs):
    """`migrate`, `runserver` and `check` stop on a rate they cannot read."""
    return [checks.Error(problem, id="crisis_api.E110") for problem in limits_settings_problems()]
