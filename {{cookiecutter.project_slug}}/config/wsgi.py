"""The WSGI entry point Gunicorn loads. Production settings unless told otherwise."""

import os
from importlib import import_module

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

application = get_wsgi_application()

# Import the URLconf, and with it every view, now rather than on each worker's
# first request: Gunicorn loads this module once in its master (preload_app),
# and the workers it forks share what is imported here.
import_module(settings.ROOT_URLCONF)
