"""URL patterns every service serves the same way: API schema and docs, admin, health probes, JSON 404/500."""

from django.conf import settings
from django.contrib import admin
from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from .api_errors import json_error_view
from .health import healthz
from .request_metrics import metrics_view


def shared_urlpatterns(readyz, admin_login) -> list:
    """Schema at /api/schema/, Swagger UI at /api/docs/, ReDoc at /api/redoc/ (unless API_DOCS_ENABLED is
    off), /admin/ with the rate-limited `admin_login` (unless ADMIN_ENABLED is off), /healthz, /readyz,
    /metrics."""
    patterns = []
    if settings.API_DOCS_ENABLED:
        patterns += [
            path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
            path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
            path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
        ]
    if settings.ADMIN_ENABLED:
        patterns += [
            path("admin/login/", admin_login, name="admin-login"),  # before the admin's own: the login limits apply
            path("admin/", admin.site.urls),
        ]
    return patterns + [
        path("healthz", healthz, name="healthz"),
        path("readyz", readyz, name="readyz"),
        path("metrics", metrics_view, name="metrics"),
    ]


not_found_view = json_error_view(404, "not_found", "Not found.")
server_error_view = json_error_view(500, "server_error", "An unexpected error occurred.")
