"""One JSON shape for every error the app answers, whoever raised it:

    {"detail": "A sentence for people.", "code": "for_programs"}

plus "fields" ({"field": ["message", ...]}) when a request had invalid fields.
Nginx answers its own errors in the same shape (deploy/nginx/json-errors.conf).
"""

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import InterfaceError, OperationalError
from django.http import Http404, JsonResponse
from rest_framework import exceptions
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler

logger = logging.getLogger(__name__)

# The codes and sentences of errors that carry no more than their status.
# json-errors.conf words Nginx's answers the same way.
STANDARD = {
    400: ("bad_request", "Bad request."),
    403: ("permission_denied", "You do not have permission to perform this action."),
    404: ("not_found", "Not found."),
    405: ("method_not_allowed", "Method not allowed."),
    413: ("request_too_large", "Request body too large."),
    429: ("throttled", "Too many requests."),
    500: ("server_error", "A server error occurred."),
    503: ("service_unavailable", "The service is unavailable; try again shortly."),
}


def error_response(status, detail=None, code=None, headers=None):
    standard_code, standard_detail = STANDARD.get(status, ("error", "Error."))
    body = {"detail": detail or standard_detail, "code": code or standard_code}
    return JsonResponse(body, status=status, headers=headers)


def api_exception_handler(exc, context):
    """DRF's handler (status, WWW-Authenticate, Retry-After), with the body
    reshaped: DRF answers {"detail": ...} for some errors and {"field": [...]}
    for others, and simplejwt adds "messages"."""
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response.data = error_body(exc)
    return response


def error_body(exc):
    detail = exc.detail
    if isinstance(exc, exceptions.ValidationError):
        if isinstance(detail, dict):
            fields = dict(detail)
            general = fields.pop(api_settings.NON_FIELD_ERRORS_KEY, [])
        else:
            fields, general = {}, detail
        body = {"detail": " ".join(general) or "Invalid input.", "code": "invalid"}
        if fields:
            body["fields"] = fields
        return body
    if isinstance(detail, dict):  # simplejwt: {"detail", "code", "messages"}
        return {
            "detail": detail["detail"],
            "code": detail.get("code", exc.default_code),
        }
    return {"detail": detail, "code": getattr(detail, "code", exc.default_code)}


# Django's own error views, for requests that never reach DRF (see config/urls.py).
def bad_request(request, exception):
    return error_response(400)


def permission_denied(request, exception):
    return error_response(403)


def not_found(request, exception):
    return error_response(404)


def server_error(request):
    return error_response(500)


def csrf_failure(request, reason=""):
    return error_response(403, f"CSRF verification failed: {reason}", "csrf_failed")


class JsonErrorsMiddleware:
    """The safety net under the views above: an error response that is not
    JSON (a 405 from a plain Django view, say) gets the standard body, keeping
    its status and headers. DEBUG keeps Django's pages for development."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code >= 400
            and not response.get("Content-Type", "").startswith("application/json")
            and not settings.DEBUG
        ):
            kept = {
                header: value
                for header, value in response.items()
                if header.lower() not in ("content-type", "content-length")
            }
            reshaped = error_response(response.status_code, headers=kept)
            reshaped.cookies = response.cookies
            return reshaped
        return response


class DatabaseUnavailableMiddleware:
    """Answer 503 while the database cannot be reached, instead of a 500 with
    a traceback in the log."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.error("database unavailable: %s", exception)
        return error_response(503, headers={"Retry-After": "5"})
