"""Django settings for baseline B: django-oauth-toolkit's introspection endpoint.

Production-style: DEBUG off, no sessions/admin/templates, only what DOT's
introspection needs. SQLite (the file named by $DOT_DB) stands in for the
database server a deployment would use; it is on the same machine, so it
flatters DOT if anything.
"""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
SECRET_KEY = os.environ.get("DOT_SECRET_KEY", "loadtest-only-not-secret")
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "oauth2_provider",
]
MIDDLEWARE = [
    "django.middleware.common.CommonMiddleware",
]
ROOT_URLCONF = "dot_urls"
WSGI_APPLICATION = "dot_wsgi.application"
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("DOT_DB", str(BASE_DIR / "dot.sqlite3")),
        "CONN_MAX_AGE": None,
    }
}
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
OAUTH2_PROVIDER = {
    "SCOPES": {
        "read:orders": "read orders",
        "write:orders": "write orders",
        "introspection": "introspect tokens",
    },
    "PKCE_REQUIRED": False,
}
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
