"""A Content-Security-Policy on every answer the app gives.

Answers of the API are data, never a page: the strictest policy, so a
response that a browser is tricked into rendering runs nothing. The HTML
pages (the admin, the Swagger UI) load their scripts and styles from this
site only: inline scripts stay forbidden, inline styles are allowed, as the
admin and the Swagger UI set some. Nginx adds the strict policy to its own
answers and passes this one on (deploy/nginx/security-headers.conf).
"""

API_POLICY = (
    "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
PAGE_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        page = response.get("Content-Type", "").startswith("text/html")
        response.setdefault(
            "Content-Security-Policy", PAGE_POLICY if page else API_POLICY
        )
        return response
