"""What Gunicorn runs while an error report is checked: the project's own
application, with one more URL whose view fails. It sets Django up
(config.wsgi), so that import comes first."""

# isort: skip_file
from config.wsgi import application

from config import urls
from django.urls import path

__all__ = ["application"]
PATH = "verify/induced-error/"


def fail(request):
    raise RuntimeError("induced by prodstack verify")


urls.urlpatterns.append(path(PATH, fail))
