"""Setting values both Django services share, so each `config/settings/base.py` says only what differs.

Constants are plain data; the builders take what differs between the services
(authentication classes, titles, noisy loggers) and return the setting.
"""

from .env import env_float, env_int, env_str

# django-mongodb-backend's contrib app configs (ObjectId keys) and their regenerated migrations.
MONGO_CONTRIB_APPS = [
    "eventhub_common.mongo_apps.MongoAdminConfig",
    "eventhub_common.mongo_apps.MongoAuthConfig",
    "eventhub_common.mongo_apps.MongoContentTypesConfig",
]
MONGO_MIGRATION_MODULES = {
    "admin": "mongo_migrations.admin",
    "auth": "mongo_migrations.auth",
    "contenttypes": "mongo_migrations.contenttypes",
}
MONGO_AUTO_FIELD = "django_mongodb_backend.fields.ObjectIdAutoField"

# Middleware before and after the place a service may insert its own (CORS, for one).
SECURITY_AND_STATIC_MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "eventhub_common.body_limit.limit_request_body",
    "eventhub_common.database_deadline.DatabaseDeadline",
]
SESSION_AND_AUTH_MIDDLEWARE = [
    "eventhub_common.private_responses.private_authorized_responses",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]



# Redis: the shared cache of both services. Through it every worker and node of both services counts the
# same rate limits (the same KEY_PREFIX: logins to either admin count with API logins).
REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/0")
REDIS_TIMEOUT_SECONDS = env_float("REDIS_TIMEOUT_SECONDS", 0.25)  # connect and read timeouts of every Redis call
REDIS_BREAKER_SECONDS = env_float("REDIS_BREAKER_SECONDS", 1.0)  # after a Redis failure, calls fail at once this long


def redis_caches() -> dict:
    """CACHES: Redis with JSON values; a stalled Redis costs a request one timeout, then nothing for the
    breaker's open time (`eventhub_common.redis_breaker`)."""
    return {
        "default": {
            "BACKEND": "eventhub_common.redis_cache.ReusedClientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "eventhub-events"),
            "OPTIONS": {
                "socket_connect_timeout": REDIS_TIMEOUT_SECONDS,
                "socket_timeout": REDIS_TIMEOUT_SECONDS,
                "breaker_seconds": REDIS_BREAKER_SECONDS,
            },
        }
    }


# Login limits both services apply (`eventhub_common.rate_limits`), django-ratelimit's `count/period`.
LOGIN_RATE_LIMIT = env_str("LOGIN_RATE_LIMIT", "5/m")  # login attempts per client IP (IPv6 /64), APIs and admins
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)  # reverse proxies whose X-Forwarded-For entries count
RATELIMIT_USE_CACHE = "default"
RATELIMIT_FAIL_OPEN = False


def database_request_timeout_seconds() -> float:
    """DATABASE_REQUEST_TIMEOUT_SECONDS: the database time one request may take before it is a 503 (5 s)."""
    return env_float("DATABASE_REQUEST_TIMEOUT_SECONDS", 5.0)


def request_max_bytes() -> int:
    """DATA_UPLOAD_MAX_MEMORY_SIZE: the largest request body either API reads (REQUEST_MAX_BYTES, default 1 MiB)."""
    return env_int("REQUEST_MAX_BYTES", 1024 * 1024)


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

# Static files are served by WhiteNoise straight from the apps' static folders, so starting a process
# needs no collectstatic; the container image still collects and compresses them at build time.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

ERROR_SHAPE_NOTE = 'Errors share one JSON shape: `{"error": {"status", "code", "message", "details"}}`.'


def rest_framework(authentication_classes: list[str]) -> dict:
    """DRF: bearer tokens, authenticated by default, the one error shape, JSON in and out (plus the browsable API)."""
    return {
        "DEFAULT_AUTHENTICATION_CLASSES": authentication_classes,
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


def spectacular(title: str, description: str, **extra) -> dict:
    """drf-spectacular: Swagger UI and ReDoc from the sidecar package (no CDN), open to everyone."""
    return {
        "TITLE": title,
        "DESCRIPTION": f"{description} {ERROR_SHAPE_NOTE}",
        "VERSION": "1.0.0",
        "SERVE_INCLUDE_SCHEMA": False,
        "SWAGGER_UI_DIST": "SIDECAR",
        "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
        "REDOC_DIST": "SIDECAR",
        "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
        "SERVE_AUTHENTICATION": [],
        **extra,
    }


def logging_config(quiet_loggers: list[str]) -> dict:
    """Plain lines on stderr at LOG_LEVEL; `quiet_loggers` (chatty libraries) only from WARNING up."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
        "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
        "loggers": {name: {"level": "WARNING"} for name in quiet_loggers},
    }
