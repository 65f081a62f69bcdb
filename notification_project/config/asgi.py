"""ASGI entry point of the notification service (served by daphne): HTTP to Django, WebSockets to Channels."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from realtime.origins import BrowserOriginValidator  # noqa: E402
from realtime.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": BrowserOriginValidator(URLRouter(websocket_urlpatterns)),
    }
)

# Everything is loaded: keep the collector off it and collect less often (config/gc_tuning.py).
from django.conf import settings  # noqa: E402

from config.gc_tuning import tune_collector  # noqa: E402

tune_collector(settings.GC_THRESHOLDS)
