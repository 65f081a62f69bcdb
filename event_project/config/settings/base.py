"""Settings shared by every environment of the event service; all values come from the environment."""

from datetime import timedelta
from pathlib import Path

from eventhub_common.access_tokens import ACCESS_TOKEN_LIFETIME, ALGORITHM, token_config_from_env
from eventhub_common import django_settings, error_reports, tracing
from eventhub_common.shared_settings import *  # noqa: F403 - Redis, login limit, proxies: as the other service
from eventhub_common.env import env_bool, env_int, env_list, env_str, mongodb_database

BASE_DIR = Path(__file__).resolve().parent.parent.parent

SECRET_KEY = env_str("DJANGO_SECRET_KEY", "dev-only-django-secret-key-change-me")
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    *django_settings.MONGO_CONTRIB_APPS,
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_mongodb_backend",
    "corsheaders",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "core",
    "accounts",
    "events",
    "attendance",
    "calendars",
    "outbox",
]

MIDDLEWARE = [
    *django_settings.SECURITY_AND_STATIC_MIDDLEWARE,
    "corsheaders.middleware.CorsMiddleware",
    *django_settings.SESSION_AND_AUTH_MIDDLEWARE,
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
TEMPLATES = django_settings.TEMPLATES
DATA_UPLOAD_MAX_MEMORY_SIZE = django_settings.request_max_bytes()
DATABASE_REQUEST_TIMEOUT_SECONDS = django_settings.database_request_timeout_seconds()

# MongoDB through django-mongodb-backend; every model keys on ObjectId.
DATABASES = {"default": mongodb_database("EVENT_DB_NAME", "eventhub_events")}
DEFAULT_AUTO_FIELD = django_settings.MONGO_AUTO_FIELD
MIGRATION_MODULES = django_settings.MONGO_MIGRATION_MODULES

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["accounts.backends.UsernameOrEmailBackend"]
# Salt rounds (cost) of bcrypt; 12 by default, configurable per the spec.
BCRYPT_ROUNDS = env_int("BCRYPT_ROUNDS", 12)
PASSWORD_HASHERS = ["accounts.hashers.ConfigurableBCryptSHA256PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [{"NAME": "accounts.password_policy.PasswordPolicyValidator"}]

# Abuse limits (accounts/limits.py), django-ratelimit's `count/period`: shared by every process through Redis.
LOGIN_FAILURE_LIMIT = env_str("LOGIN_FAILURE_LIMIT", "10/15m")  # failures that lock an account's password logins
REGISTRATION_RATE_LIMIT = env_str("REGISTRATION_RATE_LIMIT", "10/h")  # registrations per client IP (IPv6 /64)
EVENT_WRITE_RATE_LIMIT = env_str("EVENT_WRITE_RATE_LIMIT", "60/m")  # event creates, updates, deletes per user
# How long a cached user record may serve requests (replaced at once when the user changes).
USER_CACHE_SECONDS = env_int("USER_CACHE_SECONDS", 300)
# How long a rendered event read may be reused; retired at once when an event changes (events.reads).
EVENT_READ_CACHE_SECONDS = env_int("EVENT_READ_CACHE_SECONDS", 60)
# How long the response to a request with an `Idempotency-Key` is replayed for a retry (core.idempotency).
IDEMPOTENCY_KEY_SECONDS = env_int("IDEMPOTENCY_KEY_SECONDS", 24 * 3600)

# The browser client is served by the notification service (another origin) and calls this API
# with bearer tokens (no cookies), so only its origin needs to be allowed.
CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS", ["http://127.0.0.1:8001", "http://localhost:8001"])
CORS_URLS_REGEX = r"^/api/.*$"

# Attachments: direct browser-to-S3 uploads (AWS S3 or any S3-compatible store). Credentials come
# from boto3's usual sources (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, instance roles, ...).
S3_BUCKET = env_str("S3_BUCKET", "")
S3_REGION = env_str("S3_REGION", "us-east-1")
S3_PREFIX = env_str("S3_PREFIX", "attachments/")
S3_ENDPOINT_URL = env_str("S3_ENDPOINT_URL", "")
S3_PUBLIC_BASE_URL = env_str("S3_PUBLIC_BASE_URL", "")
ATTACHMENT_MAX_BYTES = env_int("ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)
ATTACHMENT_CONTENT_TYPES = env_list(
    "ATTACHMENT_CONTENT_TYPES", ["application/pdf", "image/png", "image/jpeg", "image/webp", "text/plain"]
)

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
WHITENOISE_USE_FINDERS = True  # see django_settings.STORAGES
STORAGES = django_settings.STORAGES

LOGIN_REDIRECT_URL = "/api/events/"  # after the browsable API's login page (when no `next` is given)
REST_FRAMEWORK = django_settings.rest_framework(
    authentication_classes=[
        "core.authentication.AccessTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    browsable=BROWSABLE_API_ENABLED,  # noqa: F405 - from shared_settings
)

JWT_TOKENS = token_config_from_env(require_key=False)
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": ACCESS_TOKEN_LIFETIME,
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env_int("JWT_REFRESH_DAYS", 1)),
    "ALGORITHM": ALGORITHM,
    "SIGNING_KEY": JWT_TOKENS.signing_key,
    "VERIFYING_KEY": None,
    "AUDIENCE": JWT_TOKENS.audience,
    "ISSUER": JWT_TOKENS.issuer,
    "USER_ID_FIELD": "id",
    "USER_ID_CLAIM": "user_id",
    "AUTH_HEADER_TYPES": ("Bearer",),
    "UPDATE_LAST_LOGIN": False,
    "TOKEN_OBTAIN_SERIALIZER": "accounts.tokens.AccessTokenObtainSerializer",
}

SPECTACULAR_SETTINGS = django_settings.spectacular(
    title="EventHub event service",
    description=(
        "Users, JWT authentication and events. Every create, update and delete of an event is "
        "published to RabbitMQ for the notification service."
    ),
    COMPONENT_SPLIT_REQUEST=True,
)

QUIET_LOGGERS = ["django.db.backends", "pymongo", "pika"]
LOGGING = django_settings.logging_config(QUIET_LOGGERS)
SENTRY_STARTED = error_reports.start_from_env("event")  # only with SENTRY_DSN
TRACING_STARTED = tracing.start_from_env("event")  # only with OTEL_EXPORTER_OTLP_ENDPOINT
