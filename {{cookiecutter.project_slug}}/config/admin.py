from types import SimpleNamespace

from django.contrib import admin

from {{ cookiecutter.project_slug }}.accounts.throttling import ScopedRateThrottle

from .errors import error_response

# Each sign-in attempt costs a password hash (Argon2), so it is limited per
# client like the API's own sign-in: here, and in the Nginx site.
LOGIN_SCOPE = SimpleNamespace(throttle_scope="admin_login")


class AdminSite(admin.AdminSite):
    def login(self, request, extra_context=None):
        if request.method == "POST":
            throttle = ScopedRateThrottle()
            if not throttle.allow_request(request, LOGIN_SCOPE):
                return error_response(
                    429, headers={"Retry-After": str(throttle.wait())}
                )
        return super().login(request, extra_context)
