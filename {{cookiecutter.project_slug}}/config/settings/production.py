"""Production behind Nginx over HTTPS. Refuses to start without its secrets."""

{% if cookiecutter.jwt_algorithm == "HS256" %}
import os

{% endif %}
from django.core.exceptions import ImproperlyConfigured

{% if cookiecutter.jwt_algorithm == "RS256" %}
from config.env import env_int, env_list, read_key_file, require_env

from .base import *  # noqa: F403
from .base import BASE_DIR, REST_FRAMEWORK, SECRET_KEY, SIMPLE_JWT
{% else %}
from config.env import env_int, env_list, require_env

from .base import *  # noqa: F403
from .base import REST_FRAMEWORK, SECRET_KEY, SIMPLE_JWT
{% endif %}

require_env(
    "DJANGO_SECRET_KEY",
    "DJANGO_ALLOWED_HOSTS",
    "DATABASE_URL",
{% if cookiecutter.jwt_algorithm == "RS256" %}
    "JWT_PRIVATE_KEY_FILE",
    "JWT_PUBLIC_KEY_FILE",
{% else %}
    "JWT_SIGNING_KEY",
{% endif %}
)

if SECRET_KEY.startswith("django-insecure") or len(SECRET_KEY) < 50:
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY is too weak: use 50 or more random characters, e.g. "
        'python -c "import secrets; print(secrets.token_urlsafe(50))"'
    )

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env_list(
    "DJANGO_CSRF_TRUSTED_ORIGINS", "https://{{ cookiecutter.domain_name }}"
)

{% if cookiecutter.jwt_algorithm == "RS256" %}
# JWT keys are not SECRET_KEY, so either can be rotated alone.
SIMPLE_JWT["SIGNING_KEY"] = read_key_file("JWT_PRIVATE_KEY_FILE", BASE_DIR)
SIMPLE_JWT["VERIFYING_KEY"] = read_key_file("JWT_PUBLIC_KEY_FILE", BASE_DIR)
{% else %}
# The JWT key is not SECRET_KEY, so either can be rotated alone.
SIMPLE_JWT["SIGNING_KEY"] = os.environ["JWT_SIGNING_KEY"]
{% endif %}

# Nginx terminates TLS and always sets X-Forwarded-Proto itself, so the header
# can be trusted; one proxy hop is what DRF's throttles must skip.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
REST_FRAMEWORK["NUM_PROXIES"] = 1
SECURE_SSL_REDIRECT = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
X_FRAME_OPTIONS = "DENY"

# HSTS is set here, once; the Nginx site does not add a second copy.
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31536000)
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

# Throttle counters must be shared by all Gunicorn workers; the cache table is
# created by a migration.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "django_cache",
    }
}
