"""Setting values both Django services share, so each `config/settings/base.py` says only what differs.

Constants are plain data; the builders take what differs between the services
(authentication classes, titles, noisy loggers) and return the setting.
"""

from .env import env_bool, env_float, env_int, env_str

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
    "eventhub_common.request_metrics.RequestMetrics",
    "eventhub_common.request_context.RequestContext",
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


def rest_framework(authentication_classes: list[str], *, browsable: bool) -> dict:
    """DRF: bearer tokens, authenticated by default, the one error shape, JSON in and out (and, when
    `browsable`, DRF's browsable HTML pages)."""
    return {
        "DEFAULT_AUTHENTICATION_CLASSES": authentication_classes,
        "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
        "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
        "EXCEPTION_HANDLER": "eventhub_common.api_errors.api_exception_handler",
        "DEFAULT_RENDERER_CLASSES": [
            "rest_framework.renderers.JSONRenderer",
            *(["rest_framework.renderers.BrowsableAPIRenderer"] if browsable else []),
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


def logging_config(quiet_loggers: list[str], *, default_format: str = "text") -> dict:
    """Lines on stderr at LOG_LEVEL; `quiet_loggers` (chatty libraries) only from WARNING up.

    LOG_FORMAT `text` (the dev default) is readable; `json` (production's default) is one object a line:
    time, level, process, logger, message, the context (`request_id`, `user_id`, `trace_id`: see
    `log_context`) and any `extra` fields."""
    log_format = env_str("LOG_FORMAT", default_format)
    if log_format not in ("text", "json"):
        raise ValueError(f"LOG_FORMAT must be text or json, not {log_format!r}")
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"context": {"()": "eventhub_common.log_context.ContextFilter"}},
        "formatters": {
            "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
            "json": {
                "()": "pythonjsonlogger.json.JsonFormatter",
                "fmt": "%(asctime)s %(levelname)s %(process)d %(name)s %(message)s",
                "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
                "timestamp": False,
            },
        },
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": log_format, "filters": ["context"]}},
        "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
        # ACCESS_LOG=false drops the one line per request (about 35 µs of a request as JSON; performance.md, 35).
        "loggers": {name: {"level": "WARNING"} for name in [*quiet_loggers, *([] if env_bool("ACCESS_LOG", True) else ["eventhub.access"])]},
    }
