"""The Markdown renderer: a view's text as `text/markdown; charset=utf-8`."""

from rest_framework.renderers import BaseRenderer


class MarkdownRenderer(BaseRenderer):
    """Renders a `str` (the view has written the Markdown); errors stay problem+json."""

    media_type = "text/markdown"
    format = "md"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data.encode(self.charset) if isinstance(data, str) else data
