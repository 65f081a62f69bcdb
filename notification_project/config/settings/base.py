"""Settings shared by every environment of the notification service; all values come from the environment."""

from pathlib import Path

from eventhub_common.access_tokens import token_config_from_env
from eventhub_common import django_settings, error_reports, tracing
from eventhub_common.shared_settings import *  # noqa: F403 - Redis, login limit, proxies: as the other service
from eventhub_common.env import env_bool, env_float, env_int, env_list, env_str, mongodb_database
from eventhub_common.topology import amqp_urls_from_env, channel_layer_urls_from_env

from config.gc_tuning import DEFAULT_THRESHOLDS, parse_thresholds

BASE_DIR = Path(__file__).resolve().parent.parent.parent

SECRET_KEY = env_str("DJANGO_SECRET_KEY", "dev-only-django-secret-key-change-me")
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "daphne",
    *django_settings.MONGO_CONTRIB_APPS,
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_mongodb_backend",
    "channels",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "core",
    "access",
    "registry",
    "subscriptions",
    "preferences",
    "notifications",
    "webclient",
]

MIDDLEWARE = [*django_settings.SECURITY_AND_STATIC_MIDDLEWARE, *django_settings.SESSION_AND_AUTH_MIDDLEWARE]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"
TEMPLATES = django_settings.TEMPLATES
DATA_UPLOAD_MAX_MEMORY_SIZE = django_settings.request_max_bytes()
DATABASE_REQUEST_TIMEOUT_SECONDS = django_settings.database_request_timeout_seconds()

# This service's own database: it never reads the event service's.
DATABASES = {"default": mongodb_database("NOTIFICATION_DB_NAME", "eventhub_notifications")}
DEFAULT_AUTO_FIELD = django_settings.MONGO_AUTO_FIELD
MIGRATION_MODULES = django_settings.MONGO_MIGRATION_MODULES

# Channel layer on RabbitMQ. Defaults (100 messages per process, 60 s expiry) refuse or drop
# messages under a burst of events fanned out to thousands of sockets, hence the larger sizes.
# Every address of the broker (AMQP_URLS: a cluster's nodes, tried in turn), else AMQP_URL.
AMQP_URLS = amqp_urls_from_env()
AMQP_URL = AMQP_URLS[0]
CHANNEL_LAYERS = {
    "default": {
        # channels-rabbitmq's layer, trying the addresses in turn at each (re)connect (decision in the module).
        "BACKEND": "eventhub_common.channel_layer.FailoverRabbitmqChannelLayer",
        "CONFIG": {
            # Its own broker user in a deployment (manage_scripts/broker_definitions.py); else AMQP_URLS.
            "host": channel_layer_urls_from_env(),
            # A (re)connection attempt (connect, handshake, queue, bindings) that takes longer is given up; next address.
            "attempt_timeout": env_float("CHANNEL_LAYER_ATTEMPT_TIMEOUT_SECONDS", 10.0),
            "local_capacity": env_int("CHANNEL_LAYER_LOCAL_CAPACITY", 10_000),
            "remote_capacity": env_int("CHANNEL_LAYER_REMOTE_CAPACITY", 10_000),
            "expiry": env_int("CHANNEL_LAYER_EXPIRY_SECONDS", 300),
            "groups_exchange": env_str("CHANNEL_LAYER_GROUPS_EXCHANGE", f"{env_str('BROKER_NAMESPACE', 'eventhub')}.groups"),
        },
    }
}
CONSUMER_PREFETCH = env_int("CONSUMER_PREFETCH", 50)
# A file the consumer keeps the id of its open transaction in, so that the one started after it was killed
# aborts that transaction at once instead of conflicting with it until the server expires it (empty: none).
CONSUMER_SESSION_FILE = env_str("CONSUMER_SESSION_FILE", "")
# Messages already arrived are stored together in one transaction, up to this many (1: one by one).
CONSUMER_BATCH_SIZE = env_int("CONSUMER_BATCH_SIZE", 50)
# Seconds between the consumer's attempts to reach RabbitMQ again after losing it.
CONSUMER_RECONNECT_SECONDS = env_float("CONSUMER_RECONNECT_SECONDS", 1.0)
# The database time one batch (or message) may take; beyond it MongoDB counts as unavailable, and the consumer
# holds the messages and tries again, waiting at most CONSUMER_RETRY_MAX_SECONDS between tries (never dead-letters).
CONSUMER_DATABASE_TIMEOUT_SECONDS = env_float("CONSUMER_DATABASE_TIMEOUT_SECONDS", 5.0)
CONSUMER_RETRY_MAX_SECONDS = env_float("CONSUMER_RETRY_MAX_SECONDS", 1.0)

# WebSocket limits (docs/websocket.md, "Limits").
WEBSOCKET_FRAMES_PER_SECOND = env_float("WEBSOCKET_FRAMES_PER_SECOND", 20.0)  # client frames, a token bucket
WEBSOCKET_FRAME_BURST = env_int("WEBSOCKET_FRAME_BURST", 40)  # beyond both: closed with 1008
WEBSOCKET_MAX_FRAME_BYTES = env_int("WEBSOCKET_MAX_FRAME_BYTES", 64 * 1024)  # a larger client frame: closed with 1009
WEBSOCKET_REPLAY_LIMIT = env_int("WEBSOCKET_REPLAY_LIMIT", 1000)  # notifications one `since` replay sends at most
# A notification that arrives before a lower-numbered one waits this long for it, then the node reads the
# missing ones from history (realtime/node.py).
WEBSOCKET_GAP_WAIT_SECONDS = env_float("WEBSOCKET_GAP_WAIT_SECONDS", 0.25)
WEBSOCKET_SILENCE_CHECK_SECONDS = env_float("WEBSOCKET_SILENCE_CHECK_SECONDS", 2.0)
WEBSOCKET_SOCKETS_PER_USER = env_int("WEBSOCKET_SOCKETS_PER_USER", 20)  # open at once, every node; more: close 4029
# Browser origins allowed besides this service's own hosts (ALLOWED_HOSTS); clients that send no Origin pass.
WEBSOCKET_ALLOWED_ORIGINS = env_list("WEBSOCKET_ALLOWED_ORIGINS", [])
SUBSCRIPTIONS_PER_USER = env_int("SUBSCRIPTIONS_PER_USER", 1000)  # beyond it a subscribe is a 409 (REST) or an error frame

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
WHITENOISE_USE_FINDERS = True  # see django_settings.STORAGES
STORAGES = django_settings.STORAGES

JWT_TOKENS = token_config_from_env(require_key=False)
# The event API as the browser reaches it (the browser client calls it for login and events).
EVENT_API_PUBLIC_URL = env_str("EVENT_API_PUBLIC_URL", "http://127.0.0.1:8000")

REST_FRAMEWORK = django_settings.rest_framework(
    authentication_classes=["core.authentication.AccessTokenAuthentication"],
    browsable=BROWSABLE_API_ENABLED,  # noqa: F405 - from shared_settings
)

SPECTACULAR_SETTINGS = django_settings.spectacular(
    title="EventHub notification service",
    description=(
        "Notification history, read state and event subscriptions. Live notifications arrive over the "
        "WebSocket `ws://HOST/ws/notifications/?token=<access token>` (see docs/websocket.md)."
    ),
)

QUIET_LOGGERS = ["pymongo", "aiormq", "aio_pika", "channels_rabbitmq", "daphne"]
LOGGING = django_settings.logging_config(QUIET_LOGGERS)
SENTRY_STARTED = error_reports.start_from_env("notification")  # only with SENTRY_DSN
TRACING_STARTED = tracing.start_from_env("notification")  # only with OTEL_EXPORTER_OTLP_ENDPOINT

# Collector thresholds of the socket-serving process (config/gc_tuning.py; docs/performance.md, finding 21).
GC_THRESHOLDS = parse_thresholds(env_list("NOTIFICATION_GC_THRESHOLDS", list(DEFAULT_THRESHOLDS)))
