"""Template placeholders: the documented set, finding unknown ones, filling them from an incident.

A placeholder is a name in braces, `{title}`. Filling is one pass of plain substitution over
the template's text (never `str.format`, which would evaluate `{0.__class__}` or choke on a
lone brace): a value that itself contains `{owner}` is not filled again, and any other brace is
left as written.
"""

import re

from django.utils import formats, timezone, translation
from django.utils.translation import gettext_lazy as _

from incidents.communications.models import CommunicationChannel
from incidents.models import Channel, Incident

# What each documented placeholder becomes (the README lists the same table).
PLACEHOLDERS = {
    "reference": _("the incident's reference, e.g. CR-2026-0042"),
    "title": _("the incident's title"),
    "owner": _("the incident owner's full name, else their username"),
    "severity": _("the incident's severity, in the communication's language"),
    "detected_at": _("when the incident was detected, as a date and time in that language"),
    "channel": _(
        "where the incident happens: its channels (else the communication's), in that language"
    ),
}
# `{name}` with a name as placeholders are written: letters, digits and underscores.
PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def placeholders_in(text: str) -> list[str]:
    """The placeholder names in `text`, each once, in order of appearance."""
    return list(dict.fromkeys(match.group(1) for match in PLACEHOLDER.finditer(text)))


def unknown_placeholders(text: str) -> list[str]:
    """The placeholders in `text` that are not documented (each once, in order)."""
    return [name for name in placeholders_in(text) if name not in PLACEHOLDERS]


def documented() -> str:
    """The documented placeholders, as a template writes them: "{reference}, {title}, …"."""
    return ", ".join(f"{{{name}}}" for name in PLACEHOLDERS)


def incident_values(incident: Incident, language: str, channel: str = "") -> dict[str, str]:
    """The value of each placeholder for `incident`, in `language`.

    `{channel}` is where the incident happens (its channels), else the communication's
    `channel`.

    A placeholder whose value the incident does not have yet (no owner, not assessed) is left
    out, so it stays in the text and the tone check reports it as unfilled.
    """
    with translation.override(language):
        owner = incident.owner
        values = {
            "reference": incident.reference,
            "title": incident.title,
            "owner": (owner.get_full_name() or owner.username) if owner else "",
            "severity": str(incident.get_severity_display()).lower() if incident.severity else "",
            "detected_at": formats.date_format(
                timezone.localtime(incident.detected_at), "DATETIME_FORMAT"
            ),
            "channel": ", ".join(str(Channel(value).label) for value in incident.channels)
            or (str(CommunicationChannel(channel).label) if channel else ""),
        }
    return {name: value for name, value in values.items() if value}


def fill(text: str, values: dict[str, str]) -> str:
    """`text` with each `{name}` of `values` replaced by its value, in one pass."""
    return PLACEHOLDER.sub(lambda match: values.get(match.group(1), match.group(0)), text)
