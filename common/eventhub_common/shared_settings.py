"""Settings both services must hold alike, star-imported by each `config/settings/base.py`."""

from .env import env_bool, env_float, env_int, env_str

__all__ = [
    "ADMIN_ENABLED",
    "API_DOCS_ENABLED",
    "BROWSABLE_API_ENABLED",
    "CACHES",
    "LOGIN_RATE_LIMIT",
    "RATELIMIT_FAIL_OPEN",
    "RATELIMIT_USE_CACHE",
    "REDIS_BREAKER_SECONDS",
    "REDIS_TIMEOUT_SECONDS",
    "REDIS_URL",
    "TRUSTED_PROXY_COUNT",
]

# Redis: the shared cache of both services. Through it every worker and node of both services counts the
# same rate limits (the same KEY_PREFIX: logins to either admin count with API logins).
REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/0")
REDIS_TIMEOUT_SECONDS = env_float("REDIS_TIMEOUT_SECONDS", 0.25)  # connect and read timeouts of every Redis call
REDIS_BREAKER_SECONDS = env_float("REDIS_BREAKER_SECONDS", 1.0)  # after a Redis failure, calls fail at once this long

# Redis with JSON values; a stalled Redis costs a request one timeout, then nothing for the breaker's open
# time (`eventhub_common.redis_breaker`).
CACHES = {
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

# Surfaces a deployment may switch off (each service reads its own environment). Off, their URLs are 404s.
API_DOCS_ENABLED = env_bool("API_DOCS_ENABLED", True)  # /api/schema/, /api/docs/ (Swagger UI), /api/redoc/
BROWSABLE_API_ENABLED = env_bool("BROWSABLE_API_ENABLED", True)  # DRF's HTML pages; off: JSON only
ADMIN_ENABLED = env_bool("ADMIN_ENABLED", True)  # /admin/ and its login
