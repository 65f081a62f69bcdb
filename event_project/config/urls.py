"""URL map of the event service."""

from django.urls import include, path
from eventhub_common.service_urls import not_found_view, server_error_view, shared_urlpatterns

from accounts.admin_login import admin_login
from core.health import readyz

urlpatterns = [
    path("api/auth/", include("accounts.urls")),
    path("api/events/", include("events.urls")),
    *shared_urlpatterns(readyz, admin_login),
]

handler404 = not_found_view
handler500 = server_error_view
