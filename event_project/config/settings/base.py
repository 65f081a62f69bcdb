"""Settings shared by every environment of the event service; all values come from the environment."""

from datetime import timedelta
from pathlib import Path

from eventhub_common.access_tokens import ACCESS_TOKEN_LIFETIME, ALGORITHM, token_config_from_env
from eventhub_common.env import env_bool, env_int, env_list, env_str, mongodb_database

BASE_DIR = Path(__file__).resolve().parent.parent.parent

SECRET_KEY = env_str("DJANGO_SECRET_KEY", "dev-only-django-secret-key-change-me")
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "eventhub_common.mongo_apps.MongoAdminConfig",
    "eventhub_common.mongo_apps.MongoAuthConfig",
    "eventhub_common.mongo_apps.MongoContentTypesConfig",
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
    "outbox",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
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

# MongoDB through django-mongodb-backend; every model keys on ObjectId.
DATABASES = {"default": mongodb_database("EVENT_DB_NAME", "eventhub_events")}
DEFAULT_AUTO_FIELD = "django_mongodb_backend.fields.ObjectIdAutoField"
MIGRATION_MODULES = {
    "admin": "mongo_migrations.admin",
    "auth": "mongo_migrations.auth",
    "contenttypes": "mongo_migrations.contenttypes",
}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["accounts.backends.UsernameOrEmailBackend"]
# Salt rounds (cost) of bcrypt; 12 by default, configurable per the spec.
BCRYPT_ROUNDS = env_int("BCRYPT_ROUNDS", 12)
PASSWORD_HASHERS = ["accounts.hashers.ConfigurableBCryptSHA256PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [{"NAME": "accounts.password_policy.PasswordPolicyValidator"}]

# Shared cache: the login rate limit must hold across worker processes and nodes.
REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "eventhub-events"),
    }
}
LOGIN_RATE_LIMIT = env_str("LOGIN_RATE_LIMIT", "5/m")
# How long an authenticated request may use the cached user (dropped at once when the user changes).
USER_CACHE_SECONDS = env_int("USER_CACHE_SECONDS", 30)
# How many reverse proxies in front of us append to X-Forwarded-For; 0 trusts none.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
RATELIMIT_USE_CACHE = "default"
RATELIMIT_FAIL_OPEN = False

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
# Served by WhiteNoise straight from the apps' static folders, so starting a process needs no
# collectstatic; the container image still collects and compresses them at build time.
WHITENOISE_USE_FINDERS = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "core.authentication.AccessTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.exceptions.api_exception_handler",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "UNAUTHENTICATED_USER": None,
}

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

SPECTACULAR_SETTINGS = {
    "TITLE": "EventHub event service",
    "DESCRIPTION": (
        "Users, JWT authentication and events. Every create, update and delete of an event is "
        "published to RabbitMQ for the notification service. Errors share one JSON shape: "
        '`{"error": {"status", "code", "message", "details"}}`.'
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
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
        "django.db.backends": {"level": "WARNING"},
        "pymongo": {"level": "WARNING"},
        "pika": {"level": "WARNING"},
    },
}
