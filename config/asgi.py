"""ASGI entry point; refuses to serve without production settings."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_asgi_application()

from crisis_api.checks import require_production_settings  # noqa: E402  (needs settings)

require_production_settings()
