"""Local development: debug on, the browsable API, keys from .env."""

from config.jwt_keys import development_keys

from .base import *  # noqa: F403
from .base import REST_FRAMEWORK, SIMPLE_JWT

DEBUG = True
# Mail (password resets, say) is printed where runserver logs.
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
MAIL_ENABLED = True

REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"] = [
    "rest_framework.renderers.JSONRenderer",
    "rest_framework.renderers.BrowsableAPIRenderer",
]

SIMPLE_JWT.update(development_keys())
