from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django_prometheus.exports import ExportToDjangoView

from config.health import health

# Errors answer in JSON, like the API itself, never with an HTML page.
handler400 = "config.errors.bad_request"
handler403 = "config.errors.permission_denied"
handler404 = "config.errors.not_found"
handler500 = "config.errors.server_error"

urlpatterns = [
    path("api/health/", health, name="health"),
    # Prometheus metrics; the Nginx site lets only the addresses it lists in.
    path("metrics", ExportToDjangoView, name="metrics"),
    path("api/auth/", include("{{ cookiecutter.project_slug }}.accounts.urls")),
{% if cookiecutter.example_api %}
    path("api/", include("{{ cookiecutter.project_slug }}.notes.urls")),
{% endif %}
{% if cookiecutter.api_docs %}
    path("api/", include("config.api_docs")),
{% endif %}
]

# What finishes by a mailed link is routed only where a mail server is set up.
if settings.MAIL_ENABLED:
    urlpatterns += [
        path("api/auth/", include(f"{{ cookiecutter.project_slug }}.accounts.{module}"))
        for module in (
{% if cookiecutter.allow_registration %}
            "registration",
{% endif %}
            "password_reset",
            "email_change",
        )
    ]
if settings.ADMIN_PATH != "off":
    urlpatterns.append(path(f"{settings.ADMIN_PATH}/", admin.site.urls))
