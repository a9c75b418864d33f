"""How the admin shows values: one localised date-time format, one empty marker, titled filters."""

from datetime import datetime, timedelta

from django.contrib.admin import ListFilter
from django.utils import formats, timezone
from django.utils.timesince import TIME_STRINGS
from django.utils.translation import gettext

# What every empty value looks like in the admin (also the admin site's empty_value_display).
EMPTY = "—"
# The format Django's admin already uses for date-time fields in lists and read-only fields
# (display_for_field localises with DATETIME_FORMAT): "Nov. 25, 2025, 6:51 p.m." in English,
# "25 novembre 2025 18:51" in French. Helpers use it too, so a page shows one format.
DATETIME_FORMAT = "DATETIME_FORMAT"


def datetime_display(value: datetime | None) -> str:
    """A date-time in the current time zone and language's format; EMPTY when there is none."""
    if value is None:
        return EMPTY
    return formats.date_format(timezone.localtime(value), DATETIME_FORMAT)


def duration_display(value: timedelta | None) -> str:
    """A duration in words, days, hours and minutes: "3 days", "1 hour, 30 minutes".

    Django's own translated units (those of `timesince`), so "3 jours" in French.
    """
    if value is None:
        return EMPTY
    minutes = int(value.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    units = [("day", days), ("hour", hours), ("minute", minutes)]
    parts = [TIME_STRINGS[unit] % {"num": count} for unit, count in units if count]
    return gettext(", ").join(parts) or TIME_STRINGS["minute"] % {"num": 0}


def titled(filter_class: type[ListFilter], title) -> type[ListFilter]:
    """`filter_class` with an explicit (translatable) title instead of the field's name.

    For `list_filter = [("is_confidential", titled(admin.BooleanFieldListFilter, _("…")))]`:
    a field filter takes its title from the field's verbose name ("By is confidential"),
    set in `__init__`, so a class attribute alone would be overwritten.
    """

    class TitledFilter(filter_class):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.title = title

    TitledFilter.title = title  # what a SimpleListFilter checks before __init__ runs
    TitledFilter.__name__ = TitledFilter.__qualname__ = f"Titled{filter_class.__name__}"
    return TitledFilter


class ReadOnlyAdminMixin:
    """A ModelAdmin for records nobody edits by hand (events, signals): no add, change or
    delete, whatever the user's permissions."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
