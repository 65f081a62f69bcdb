"""URL map of the event service."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from core import health
from core.exceptions import json_error_view

urlpatterns = [
    path("api/auth/", include("accounts.urls")),
    path("api/events/", include("events.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
    path("admin/", admin.site.urls),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
]

handler404 = json_error_view(404, "not_found", "Not found.")
handler500 = json_error_view(500, "server_error", "An unexpected error occurred.")
