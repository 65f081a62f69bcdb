"""URL map of the event service."""

from django.conf import settings
from django.urls import include, path
from eventhub_common.service_urls import not_found_view, server_error_view, shared_urlpatterns

from accounts.admin_login import admin_login, browsable_api_login
from core.health import readyz

urlpatterns = [
    path("api/auth/", include("accounts.urls")),
    path("api/events/", include("events.urls")),
    path("api/calendar/", include("calendars.urls")),
    *shared_urlpatterns(readyz, admin_login),
]
if settings.BROWSABLE_API_ENABLED:
    # DRF's login page for the browsable API (a session), under the login limits; ours first, then DRF's logout.
    urlpatterns += [
        path("api-auth/login/", browsable_api_login, name="browsable-api-login"),
        path("api-auth/", include("rest_framework.urls")),
    ]

handler404 = not_found_view
handler500 = server_error_view
