"""The test suite: fast password hashing, fresh keys, no collectstatic needed."""

from config.jwt_keys import new_keys

from .base import *  # noqa: F403
{% if cookiecutter.database == "sqlite" %}
from .base import BASE_DIR, DATABASES, SIMPLE_JWT

# A file rather than memory: the concurrency tests need writers that wait for
# each other, which SQLite's shared in-memory database cannot do.
DATABASES["default"]["TEST"] = {"NAME": BASE_DIR / "test-db.sqlite3"}
{% else %}
from .base import SIMPLE_JWT
{% endif %}

SECRET_KEY = "test-only-secret-key"

# Mail stays in memory (Django's test runner sees to it), so mailed links are on.
MAIL_ENABLED = True

# Hashing dominates login time; MD5 keeps the suite fast and is used nowhere else.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Static files straight from the apps, as in development: no collectstatic.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True

# A fresh key for every run: the suite never needs .env or key files.
SIMPLE_JWT.update(new_keys())
