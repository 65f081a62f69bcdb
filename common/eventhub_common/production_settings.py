"""Production settings both services hold alike, star-imported by each `config/settings/production.py`:
no default for a secret (and no weak one), HTTPS by default, hardened cookies and headers.

The HTTPS settings assume a TLS-terminating proxy in front that sets `X-Forwarded-Proto` (and strips a
client's own); without one, set DJANGO_TRUST_X_FORWARDED_PROTO=false. Probes and Prometheus scrapes on
the private network are not redirected to HTTPS.
"""

from django.core.exceptions import ImproperlyConfigured

from .access_tokens import token_config_from_env
from .env import env_bool, env_int, env_str

__all__ = [
    "CSRF_COOKIE_SECURE",
    "DEBUG",
    "JWT_TOKENS",
    "METRICS_TOKEN",
    "SECRET_KEY",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_SECONDS",
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_REDIRECT_EXEMPT",
    "SECURE_REFERRER_POLICY",
    "SECURE_SSL_REDIRECT",
    "SESSION_COOKIE_SECURE",
]

MIN_SECRET_BYTES = 32
EXAMPLE_MARKER = "change-me"  # every example env file's secrets contain it


def strong_secret(name: str, value: str) -> str:
    """`value`, unless it is shorter than 32 bytes or an example file's placeholder."""
    if len(value.encode()) < MIN_SECRET_BYTES:
        raise ImproperlyConfigured(f"{name} must be at least {MIN_SECRET_BYTES} bytes long in production")
    if EXAMPLE_MARKER in value:
        raise ImproperlyConfigured(f"{name} is an example value; set a random one (e.g. `openssl rand -hex 32`)")
    return value


DEBUG = False
SECRET_KEY = strong_secret("DJANGO_SECRET_KEY", env_str("DJANGO_SECRET_KEY"))
JWT_TOKENS = token_config_from_env(require_key=True)
strong_secret("JWT_SIGNING_KEY", JWT_TOKENS.signing_key)
# /metrics answers only this bearer token (eventhub_common.metrics reads it from the environment).
METRICS_TOKEN = strong_secret("METRICS_TOKEN", env_str("METRICS_TOKEN"))

SECURE_SSL_REDIRECT = env_bool("DJANGO_SSL_REDIRECT", True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31_536_000)  # a year; 0 sends no header
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("DJANGO_TRUST_X_FORWARDED_PROTO", True) else None
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
