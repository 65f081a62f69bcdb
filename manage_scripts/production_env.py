"""Production settings on this machine (the system tests and the benchmark run them): fresh secrets,
plain HTTP on 127.0.0.1, so no HTTPS redirect, HSTS or secure cookies."""

import secrets


def local_production_env() -> dict[str, str]:
    return {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_hex(32),
        "JWT_SIGNING_KEY": secrets.token_hex(32),
        "METRICS_TOKEN": secrets.token_hex(32),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_COOKIES": "false",
        "DJANGO_SSL_REDIRECT": "false",
        "DJANGO_HSTS_SECONDS": "0",
    }
