"""ASGI entry point of the notification service (served by daphne): HTTP to Django, WebSockets to Channels."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from realtime.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        # Tokens, not cookies, authenticate sockets, so a foreign origin gains nothing (no CSWSH);
        # non-browser clients send no Origin at all.
        "websocket": URLRouter(websocket_urlpatterns),
    }
)
