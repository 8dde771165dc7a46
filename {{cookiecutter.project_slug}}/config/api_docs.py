"""The OpenAPI schema and Swagger UI, under /api/."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The page's script is served apart from it (?script), so the page runs
    # under a Content-Security-Policy without inline scripts (config/csp.py).
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="docs"),
]
