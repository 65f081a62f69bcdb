"""URL map of the notification service (WebSockets are routed in config/asgi.py)."""

from django.urls import include, path
from eventhub_common.rate_limits import limited_admin_login
from eventhub_common.service_urls import not_found_view, server_error_view, shared_urlpatterns

from core.health import readyz

urlpatterns = [
    # Before the admin's own URLs: logins are counted per client network with the event service's logins.
    path("admin/login/", limited_admin_login(), name="admin-login"),
    path("api/notifications/", include("notifications.urls")),
    path("api/", include("subscriptions.urls")),
    *shared_urlpatterns(readyz),
    path("", include("webclient.urls")),
]

handler404 = not_found_view
handler500 = server_error_view
