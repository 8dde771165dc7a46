import logging

from django.db import InterfaceError, OperationalError
from django.http import JsonResponse

logger = logging.getLogger(__name__)


class DatabaseUnavailableMiddleware:
    """Answer 503 with a JSON body while the database cannot be reached,
    instead of a 500 with a traceback in the log and HTML in the response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.error("database unavailable: %s", exception)
        response = JsonResponse(
            {"detail": "The service is unavailable; try again shortly."}, status=503
        )
        response["Retry-After"] = "5"
        return response


def not_found(request, exception):
    return JsonResponse({"detail": "Not found."}, status=404)
