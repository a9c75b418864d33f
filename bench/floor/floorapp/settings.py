"""Settings of the floor app: the service's apps and database, and nothing else on the path.

The same INSTALLED_APPS (so the same models and tables) and the same DATABASE_URL as
config.settings, but Django's default middleware of `startproject`, no authentication, no
permissions, no throttles, no filters, no pagination class and DRF's JSONRenderer: what a bare
DRF endpoint costs. Run it with gunicorn floorapp.wsgi (bench/floor/run.py does).
"""

from config.settings import *  # noqa: F403  (the same apps, database, cache and time zone)

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "floorapp.urls"
WSGI_APPLICATION = "floorapp.wsgi.application"

# django-admin startproject's list, as it is.
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": [],
    "DEFAULT_THROTTLE_CLASSES": [],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": None,
    "UNAUTHENTICATED_USER": None,
}

# Quiet: the service's request log is its own middleware, not a root logger line per request.
LOGGING = {"version": 1, "disable_existing_loggers": False}
