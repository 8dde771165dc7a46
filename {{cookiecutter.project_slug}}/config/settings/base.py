"""Settings every environment shares. Secrets and hosts come from the environment."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.files.storage import FileSystemStorage

from config.env import env_int, env_list
from config.env_file import read_env_file

BASE_DIR = Path(__file__).resolve().parents[2]

# manage.py points DJANGO_ENV_FILE at .env for development; Gunicorn gets its
# variables from systemd alone. Variables already set always win.
read_env_file(os.environ.get("DJANGO_ENV_FILE"))

# An empty value counts as unset, as in a freshly copied .env.example.
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or "django-insecure-development-only"
DEBUG = False
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1")

INSTALLED_APPS = [
    # Django's admin, with its sign-in limited per client (config/admin.py).
    "config.apps.AdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "corsheaders",
    "django_prometheus",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "{{ cookiecutter.project_slug }}.accounts",
    "{{ cookiecutter.project_slug }}.deployment",
{% if cookiecutter.example_api %}
    "{{ cookiecutter.project_slug }}.notes",
{% endif %}
]

MIDDLEWARE = [
    # First the request id, for every line logged from here on; then metrics
    # that time everything inside.
    "config.logs.RequestIdMiddleware",
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "config.errors.JsonErrorsMiddleware",
    "config.errors.DatabaseUnavailableMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "config.csp.ContentSecurityPolicyMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

# Browser clients on other origins may call the API only from the origins
# listed (comma-separated, scheme and host); none by default. Tokens travel in
# a header, so no credentials (cookies) are allowed across origins.
CORS_ALLOWED_ORIGINS = env_list("DJANGO_CORS_ALLOWED_ORIGINS")
CORS_URLS_REGEX = r"^/api/"

ROOT_URLCONF = "config.urls"
# Where the admin answers; "off" leaves it out (see the README).
ADMIN_PATH = (os.environ.get("DJANGO_ADMIN_PATH") or "admin").strip("/")
# Errors answer in one JSON shape (config/errors.py), the CSRF failure too.
CSRF_FAILURE_VIEW = "config.errors.csrf_failure"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Database: one DATABASE_URL (see .env.example); while it is unset,
# development and the tests use this one.
{% if cookiecutter.database == "postgresql" %}
DEFAULT_DATABASE_URL = "postgres://{{ cookiecutter.project_slug }}:password@localhost:5432/{{ cookiecutter.project_slug }}"
# A database that does not answer is a 503 within seconds (config/errors.py),
# not once the kernel gives up on the connection.
DATABASE_OPTIONS = {"connect_timeout": 5}
{% else %}
DEFAULT_DATABASE_URL = f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
# Each transaction takes the write lock as it begins, so writers that arrive
# together wait their turn instead of failing to upgrade a read lock.
DATABASE_OPTIONS = {"transaction_mode": "IMMEDIATE"}
{% endif %}
DATABASES = {
    # Connections are reused per worker (opening one anew cost a fifth of a
    # request here) and checked before a request reuses one.
    "default": dj_database_url.config(
        default=DEFAULT_DATABASE_URL, conn_max_age=60, conn_health_checks=True
    )
}
DATABASES["default"].setdefault("OPTIONS", {}).update(DATABASE_OPTIONS)
# The same backend, counting queries and their time for /metrics.
DATABASES["default"]["ENGINE"] = DATABASES["default"]["ENGINE"].replace(
    "django.db.backends.", "django_prometheus.db.backends."
)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Users: a custom model from day one; Argon2 is stronger and faster than PBKDF2.
AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"django.contrib.auth.password_validation.{name}"}
    for name in (
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    )
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "{{ cookiecutter.time_zone }}"
USE_I18N = True
USE_TZ = True

# Static files: WhiteNoise serves hashed, compressed files; Nginx may serve
# STATIC_ROOT directly in front of it.
STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage",
        # The map from names to hashed names lists every file: it is kept
        # beside STATIC_ROOT, where nothing serves it.
        "OPTIONS": {
            "manifest_storage": FileSystemStorage(
                location=STATIC_ROOT.with_name(f"{STATIC_ROOT.name}-manifest")
            )
        },
    },
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework_simplejwt.authentication.JWTAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "config.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "EXCEPTION_HANDLER": "config.errors.api_exception_handler",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    # Views opt in with throttle_scope; Nginx rate-limits the same paths too.
    # Counted atomically in the database (accounts/throttling.py).
    "DEFAULT_THROTTLE_CLASSES": [
        "{{ cookiecutter.project_slug }}.accounts.throttling.ScopedRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "login": "10/minute",
        "admin_login": "5/minute",
{% if cookiecutter.allow_registration %}
        "register": "5/hour",
{% endif %}
        "token": "60/minute",
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

# Mail: SMTP with STARTTLS, from the environment. What finishes by a mailed
# link (sign-up, password reset, a new address) is on where DJANGO_EMAIL_HOST
# names a server (development prints mail to the console instead). Links last
# an hour; each client may ask for 5 resets an hour, and each address gets at
# most 3 messages an hour, however many clients ask (accounts/mail.py).
MAIL_ENABLED = bool(os.environ.get("DJANGO_EMAIL_HOST"))
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["reset_mail"] = "5/hour"
MAIL_PER_ADDRESS_PER_HOUR = 3
EMAIL_HOST = os.environ.get("DJANGO_EMAIL_HOST") or "localhost"
EMAIL_PORT = env_int("DJANGO_EMAIL_PORT", 587)
EMAIL_HOST_USER = os.environ.get("DJANGO_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("DJANGO_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("DJANGO_EMAIL_USE_TLS", "true").lower() != "false"
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL") or "root@localhost"
PASSWORD_RESET_TIMEOUT = ACCOUNT_LINK_TIMEOUT = 3600
# Pages of the project's front end that take a mailed token, e.g.
# https://app.example.com/reset?uid={uid}&token={token}; unset, the message
# names the API endpoint instead.
PASSWORD_RESET_URL = os.environ.get("DJANGO_PASSWORD_RESET_URL", "")
SIGN_UP_URL = os.environ.get("DJANGO_SIGN_UP_URL", "")
EMAIL_CONFIRM_URL = os.environ.get("DJANGO_EMAIL_CONFIRM_URL", "")

# JWT: access tokens cannot be revoked, so they live minutes; refresh tokens
# rotate and the used one is blacklisted. Each settings module sets the keys.
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env_int("JWT_ACCESS_MINUTES", 5)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env_int("JWT_REFRESH_DAYS", 1)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": False,
    # Tokens carry a hash of the password hash: a password change revokes them.
    "CHECK_REVOKE_TOKEN": True,
    # Stricter about claims (accounts/tokens.py): odd ones are a 401, not a 500.
    "AUTH_TOKEN_CLASSES": [
        "{{ cookiecutter.project_slug }}.accounts.tokens.AccessToken",
    ],
    "ALGORITHM": "{{ cookiecutter.jwt_algorithm }}",
    "AUDIENCE": os.environ.get("JWT_AUDIENCE", "{{ cookiecutter.project_slug }}"),
    "ISSUER": os.environ.get("JWT_ISSUER", "https://{{ cookiecutter.domain_name }}"),
}
{% if cookiecutter.api_docs %}

# OpenAPI schema and Swagger UI (config/api_docs.py), served from this server.
INSTALLED_APPS += ["drf_spectacular", "drf_spectacular_sidecar"]
REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"] = "drf_spectacular.openapi.AutoSchema"
SPECTACULAR_SETTINGS = {
    "TITLE": "{{ cookiecutter.project_name }}",
    "DESCRIPTION": "{{ cookiecutter.description }}",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
}
{% endif %}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "{levelname} {name} {message}", "style": "{"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
    },
    "root": {
        "handlers": ["console"],
        "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO"),
    },
    # Replaces Django's own console handler, which would print every line twice.
    "loggers": {"django": {"handlers": ["console"], "propagate": False}},
}
