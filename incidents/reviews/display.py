"""The metrics snapshot in words: one (label, value) per measure, for the admin and the report."""

from datetime import timedelta
from decimal import Decimal

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from crisis_api.admin_display import EMPTY, duration_display
from incidents.deadlines.rules import DeadlineState
from incidents.reviews.metrics import DEADLINES_MET, DURATIONS

LABELS = {
    "seconds_to_assessment": gettext_lazy("Time to assessment"),
    "seconds_to_first_response": gettext_lazy("Time to first response"),
    "seconds_to_first_public_response": gettext_lazy("Time to first public response"),
    "seconds_to_resolution": gettext_lazy("Time to resolution"),
    "response_deadline_met": gettext_lazy("Response deadline"),
    "resolution_deadline_met": gettext_lazy("Resolution deadline"),
    "signals_count": gettext_lazy("Signals"),
    "signals_reach": gettext_lazy("Reach of the signals"),
    "communications_published": gettext_lazy("Communications published"),
    "communications_withdrawn": gettext_lazy("Of which withdrawn since"),
    "actions_done": gettext_lazy("Actions done"),
    "actions_open": gettext_lazy("Actions still open"),
    "compensations": gettext_lazy("Compensations"),
}
MET = {
    True: DeadlineState.MET.label,
    False: DeadlineState.MISSED.label,
    None: gettext_lazy("No deadline"),
}


def count_display(value: int) -> str:
    return number_format(value, force_grouping=True)


def money_display(amount, currency: str) -> str:
    """An amount with its currency code, grouped the language's way: "12,500.00 EUR"."""
    return f"{number_format(Decimal(amount), decimal_pos=2, force_grouping=True)} {currency}"


def _value(key: str, value) -> str:
    if key in DURATIONS:
        if value is None:
            return _("did not happen")
        return duration_display(timedelta(seconds=value)) if value >= 60 else _("under a minute")
    if key in DEADLINES_MET:
        return str(MET[value])
    if key == "compensations":
        return ", ".join(money_display(a, c) for c, a in value.items()) or pgettext(
            "compensations", "none"
        )
    return EMPTY if value is None else count_display(value)


def metric_rows(metrics: dict) -> list[tuple[str, str]]:
    """The snapshot's measures in order, each as (label, value in words)."""
    return [(str(label), _value(key, metrics.get(key))) for key, label in LABELS.items()]
