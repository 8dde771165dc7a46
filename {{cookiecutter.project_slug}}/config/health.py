from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe


# Probes never carry a CSRF token: any other method answers 405, not 403.
@csrf_exempt
@require_safe
def health(request):
    """200 while the database answers, 503 when it does not: for probes and Nginx."""
    try:
        # A real query: a persistent connection can look open to a server
        # that has gone away.
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return JsonResponse({"status": "unavailable", "database": "down"}, status=503)
    return JsonResponse({"status": "ok"})
