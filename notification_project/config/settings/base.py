"""Settings shared by every environment of the notification service; all values come from the environment."""

from pathlib import Path

from eventhub_common.access_tokens import token_config_from_env
from eventhub_common.env import env_bool, env_int, env_list, env_str, mongodb_database
from eventhub_common.topology import amqp_url_from_env

BASE_DIR = Path(__file__).resolve().parent.parent.parent

SECRET_KEY = env_str("DJANGO_SECRET_KEY", "dev-only-django-secret-key-change-me")
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "daphne",
    "eventhub_common.mongo_apps.MongoAdminConfig",
    "eventhub_common.mongo_apps.MongoAuthConfig",
    "eventhub_common.mongo_apps.MongoContentTypesConfig",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_mongodb_backend",
    "channels",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "core",
    "registry",
    "subscriptions",
    "notifications",
    "webclient",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# This service's own database: it never reads the event service's.
DATABASES = {"default": mongodb_database("NOTIFICATION_DB_NAME", "eventhub_notifications")}
DEFAULT_AUTO_FIELD = "django_mongodb_backend.fields.ObjectIdAutoField"
MIGRATION_MODULES = {
    "admin": "mongo_migrations.admin",
    "auth": "mongo_migrations.auth",
    "contenttypes": "mongo_migrations.contenttypes",
}

# Channel layer on RabbitMQ. Defaults (100 messages per process, 60 s expiry) refuse or drop
# messages under a burst of events fanned out to thousands of sockets, hence the larger sizes.
AMQP_URL = amqp_url_from_env()
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_rabbitmq.core.RabbitmqChannelLayer",
        "CONFIG": {
            "host": AMQP_URL,
            "local_capacity": env_int("CHANNEL_LAYER_LOCAL_CAPACITY", 10_000),
            "remote_capacity": env_int("CHANNEL_LAYER_REMOTE_CAPACITY", 10_000),
            "expiry": env_int("CHANNEL_LAYER_EXPIRY_SECONDS", 300),
            "groups_exchange": env_str("CHANNEL_LAYER_GROUPS_EXCHANGE", f"{env_str('BROKER_NAMESPACE', 'eventhub')}.groups"),
        },
    }
}
CONSUMER_PREFETCH = env_int("CONSUMER_PREFETCH", 50)

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Served by WhiteNoise straight from the apps' static folders, so starting a process needs no
# collectstatic; the container image still collects and compresses them at build time.
WHITENOISE_USE_FINDERS = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

JWT_TOKENS = token_config_from_env(require_key=False)
# The event API as the browser reaches it (the browser client calls it for login and events).
EVENT_API_PUBLIC_URL = env_str("EVENT_API_PUBLIC_URL", "http://127.0.0.1:8000")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["core.authentication.AccessTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "eventhub_common.api_errors.api_exception_handler",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "UNAUTHENTICATED_USER": None,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "EventHub notification service",
    "DESCRIPTION": (
        "Notification history, read state and event subscriptions. Live notifications arrive over the "
        "WebSocket `ws://HOST/ws/notifications/?token=<access token>` (see docs/websocket.md). Errors share "
        'one JSON shape: `{"error": {"status", "code", "message", "details"}}`.'
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "pymongo": {"level": "WARNING"},
        "aiormq": {"level": "WARNING"},
        "aio_pika": {"level": "WARNING"},
        "channels_rabbitmq": {"level": "WARNING"},
        "daphne": {"level": "WARNING"},
    },
}
