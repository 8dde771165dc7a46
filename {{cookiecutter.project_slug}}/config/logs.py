"""Request ids and logs: one id per request on every line logged for it, and
JSON lines for journald in production, Gunicorn's access lines included."""

import logging
import re
import uuid
from contextvars import ContextVar

from django.core.signals import request_finished
from django.dispatch import receiver
from django.utils.functional import LazyObject
from pythonjsonlogger.core import RESERVED_ATTRS

# Nginx sets X-Request-ID on every request it proxies (see the site); anything
# else that reaches the app gets an id of its own.
REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,128}")
current_request = ContextVar("current_request", default=None)


def known_user_id(request):
    """The id of the user the API authenticated, if it has yet; never runs
    authentication itself (a log line must not query the database)."""
    user = getattr(request, "user", None)
    if user is None or isinstance(user, LazyObject) or not user.is_authenticated:
        return None
    return user.pk


class RequestIdMiddleware:
    """First middleware: takes the request id and makes it, the path and the
    user known to every line logged until the response is sent, Gunicorn's
    access line included."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request.request_id = (
            incoming if REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        )
        current_request.set(request)
        return self.get_response(request)


@receiver(request_finished)
def forget_request(sender, **kwargs):
    # Not when the middleware returns: Django logs 4xx and 5xx answers
    # ("Not Found: /path") after that, and Gunicorn its access line.
    current_request.set(None)


class RequestContext(logging.Filter):
    """Adds request_id, path and user_id to each line logged in a request."""

    def filter(self, record):
        request = current_request.get()
        if request is not None:
            record.request_id = request.request_id
            record.path = request.path
            user_id = known_user_id(request)
            if user_id is not None:
                record.user_id = user_id
        return True


class GunicornAccess(logging.Filter):
    """Turns the fields of Gunicorn's access line into fields of the record,
    so the JSON line carries them one by one."""

    def filter(self, record):
        atoms = record.args
        if isinstance(atoms, dict):
            request_id = atoms["{x-request-id}i"]
            record.request_id = None if request_id == "-" else request_id
            record.method = atoms["m"]
            record.path = atoms["U"]
            record.status = int(atoms["s"])
            record.duration = float(atoms["L"])
            record.bytes = atoms["B"]
            record.client = atoms["{x-forwarded-for}i"]
            record.user_agent = atoms["a"]
        return True


def json_logging(level="INFO"):
    """A dictConfig for JSON lines on stdout: Django's production settings
    and Gunicorn's config both use it, so every line of the service parses
    (`journalctl -u SERVICE -o cat | jq`)."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "request": {"()": RequestContext},
            "gunicorn_access": {"()": GunicornAccess},
        },
        "formatters": {
            "json": {
                "()": "pythonjsonlogger.json.JsonFormatter",
                "fmt": ["levelname", "name", "process", "message"],
                "rename_fields": {
                    "levelname": "level",
                    "name": "logger",
                    "process": "pid",
                },
                "timestamp": "time",
                # Django's request logger passes the request object along.
                "reserved_attrs": [*RESERVED_ATTRS, "request"],
            },
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stdout",
                "formatter": "json",
                "filters": ["request"],
            },
        },
        "root": {"handlers": ["console"], "level": level.upper()},
        "loggers": {
            # Each of these has handlers of its own that would print its
            # lines a second time, or as text.
            "django": {"handlers": ["console"], "propagate": False},
            "gunicorn.error": {"handlers": ["console"], "propagate": False},
            "gunicorn.access": {
                "handlers": ["console"],
                "filters": ["gunicorn_access"],
                "propagate": False,
            },
        },
    }
