"""Content negotiation whose refusals tell the caller which formats exist."""

from django.utils.translation import gettext as _
from rest_framework.exceptions import NotFound
from rest_framework.negotiation import DefaultContentNegotiation


class ExplainedContentNegotiation(DefaultContentNegotiation):
    """`?format=xml` is a 404 naming the formats the endpoint has (DRF says only "Not found")."""

    def filter_renderers(self, renderers, format):
        matching = [renderer for renderer in renderers if renderer.format == format]
        if not matching:
            formats = sorted({renderer.format for renderer in renderers})
            raise NotFound(
                _("Unknown format %(format)s; use one of: %(formats)s.")
                % {"format": format[:50], "formats": ", ".join(formats)}
            )
        return matching
