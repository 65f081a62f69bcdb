"""URL map of the notification service (WebSockets are routed in config/asgi.py)."""

from django.urls import include, path
from eventhub_common.rate_limits import limited_admin_login
from eventhub_common.service_urls import not_found_view, server_error_view, shared_urlpatterns

from core.health import readyz

urlpatterns = [
    path("api/notifications/", include("notifications.urls")),
    path("api/", include("subscriptions.urls")),
    path("api/", include("preferences.urls")),
    *shared_urlpatterns(readyz, limited_admin_login()),  # admin logins count with the event service's
    path("", include("webclient.urls")),
]

handler404 = not_found_view
handler500 = server_error_view
