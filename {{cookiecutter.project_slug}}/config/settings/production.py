"""Production behind Nginx over HTTPS. Refuses to start without its secrets."""

import os

from django.core.exceptions import ImproperlyConfigured

from config import jwt_keys
from config.env import env_list, require_env
from config.logs import json_logging
from config.sentry import init_sentry

from .base import *  # noqa: F403
from .base import MAIL_ENABLED, REST_FRAMEWORK, SECRET_KEY, SIMPLE_JWT

require_env(
    "DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DATABASE_URL", *jwt_keys.VARIABLES
)
if MAIL_ENABLED:
    # Mail needs a sender the mail server accepts.
    require_env("DJANGO_DEFAULT_FROM_EMAIL")

if SECRET_KEY.startswith("django-insecure") or len(SECRET_KEY) < 50:
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY is too weak: use 50 or more random characters, e.g. "
        'python -c "import secrets; print(secrets.token_urlsafe(50))"'
    )

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env_list(
    "DJANGO_CSRF_TRUSTED_ORIGINS", "https://{{ cookiecutter.domain_name }}{{ "" if cookiecutter.https_port|string == "443" else ":" ~ cookiecutter.https_port }}"
)

# The JWT keys are not SECRET_KEY, so either can be rotated alone.
SIMPLE_JWT.update(jwt_keys.production_keys())

# Nginx terminates TLS and always sets X-Forwarded-Proto itself, so the header
# can be trusted; one proxy hop is what DRF's throttles must skip.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
REST_FRAMEWORK["NUM_PROXIES"] = 1
SECURE_SSL_REDIRECT = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
X_FRAME_OPTIONS = "DENY"

# HSTS: browsers get the header from Nginx, which decides its max-age
# (deploy/nginx/security-headers.conf) and hides Django's copy. The same value
# here lets check --deploy see HSTS, and covers Django served without that site.
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
{% if cookiecutter.hsts_preload %}
SECURE_HSTS_PRELOAD = True
{% else %}
SECURE_HSTS_PRELOAD = False
# Preloading binds the whole domain to HTTPS in browsers for months and is hard
# to undo, so it was declined when the project was made. Remove this line and
# set SECURE_HSTS_PRELOAD = True once every subdomain serves HTTPS.
SILENCED_SYSTEM_CHECKS = ["security.W021"]
{% endif %}

# One cache for all Gunicorn workers; its table is created by a migration.
# (Throttles count in their own table: accounts/throttling.py.)
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "django_cache",
    }
}

# One JSON object per line, for journald and jq (see README.md).
LOGGING = json_logging(os.environ.get("DJANGO_LOG_LEVEL", "INFO"))

# Error reports go to Sentry only when SENTRY_DSN is set.
init_sentry()
