"""WSGI entry point of the floor app (gunicorn floorapp.wsgi, with bench/floor on the path)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "floorapp.settings")

application = get_wsgi_application()
