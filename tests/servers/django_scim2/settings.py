"""A minimal Django project serving django-scim2 as it comes: its default adapters and its default
filter map (userName, name.givenName/familyName, active); sqlite in a folder the runner names."""

import os
from pathlib import Path

DATA = Path(os.environ["SCIM_TEST_DATA"])
PORT = os.environ.get("SCIM_TEST_PORT", "8000")

SECRET_KEY = "tests-only-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
USE_TZ = True
ROOT_URLCONF = "urls"
INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django_scim",
    "directory",
]
MIDDLEWARE = [
    "directory.auth.BearerToken",
    "django_scim.middleware.SCIMAuthCheckMiddleware",
]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(DATA / "db.sqlite3")}}
# No migration files: the tables are made from the models (migrate --run-syncdb).
MIGRATION_MODULES = {"auth": None, "contenttypes": None, "directory": None, "django_scim": None}
AUTH_USER_MODEL = "directory.User"
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
SCIM_SERVICE_PROVIDER = {
    "NETLOC": f"127.0.0.1:{PORT}",
    "SCHEME": "http",
    "GROUP_MODEL": "directory.models.Group",
    "AUTHENTICATION_SCHEMES": [
        {
            "type": "oauthbearertoken",
            "name": "OAuth Bearer Token",
            "description": "A bearer token (any, in these tests)",
        }
    ],
}
LOGGING = {"version": 1, "disable_existing_loggers": True}
