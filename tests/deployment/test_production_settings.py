"""Production settings of both services, loaded as a deployment loads them (a fresh interpreter with
DJANGO_SETTINGS_MODULE=config.settings.production): HTTPS on by default, secure cookies, no weak or example
secret, each hardening settable from the environment, and `manage.py check --deploy` clean."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SERVICES = ["event_project", "notification_project"]
SHOWN = [
    "DEBUG", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_PROXY_SSL_HEADER", "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE", "SECURE_REDIRECT_EXEMPT", "API_DOCS_ENABLED", "ADMIN_ENABLED",
]
PRINT_SETTINGS = (
    "import json, django; from django.conf import settings; django.setup(); "
    "from rest_framework.views import APIView; "
    f"print(json.dumps({{**{{name: getattr(settings, name) for name in {SHOWN!r}}}, "
    "'renderers': [renderer.format for renderer in APIView.renderer_classes]}))"
)


def production(service: str, code: str, **env: str) -> subprocess.CompletedProcess:
    environment = {
        **{key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "JWT_", "METRICS_", "SENTRY_", "OTEL_"))},
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "PYTHONPATH": str(REPO / service),
        "DJANGO_SECRET_KEY": secrets.token_hex(32),
        "JWT_SIGNING_KEY": secrets.token_hex(32),
        "METRICS_TOKEN": secrets.token_hex(32),
        "DJANGO_ALLOWED_HOSTS": "api.example.com",
        **env,
    }
    return subprocess.run([sys.executable, "-c", code], cwd=REPO / service, env=environment, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("service", SERVICES)
def test_production_defaults_to_https_and_secure_cookies(service):
    loaded = production(service, PRINT_SETTINGS)
    assert loaded.returncode == 0, loaded.stderr
    values = json.loads(loaded.stdout)
    assert values["DEBUG"] is False
    assert values["SECURE_SSL_REDIRECT"] is True and values["SECURE_HSTS_SECONDS"] == 31_536_000
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["SESSION_COOKIE_SECURE"] is True and values["CSRF_COOKIE_SECURE"] is True
    assert {"^healthz$", "^readyz$", "^metrics$"} <= set(values["SECURE_REDIRECT_EXEMPT"])
    assert values["renderers"] == ["json", "api"]  # the browsable API, unless switched off


@pytest.mark.parametrize("service", SERVICES)
def test_each_hardening_and_surface_is_settable_from_the_environment(service):
    loaded = production(
        service, PRINT_SETTINGS,
        DJANGO_SSL_REDIRECT="false", DJANGO_HSTS_SECONDS="0", DJANGO_TRUST_X_FORWARDED_PROTO="false",
        DJANGO_SECURE_COOKIES="false", API_DOCS_ENABLED="false", ADMIN_ENABLED="false", BROWSABLE_API_ENABLED="false",
    )
    assert loaded.returncode == 0, loaded.stderr
    values = json.loads(loaded.stdout)
    assert values["SECURE_SSL_REDIRECT"] is False and values["SECURE_HSTS_SECONDS"] == 0
    assert values["SECURE_PROXY_SSL_HEADER"] is None
    assert values["SESSION_COOKIE_SECURE"] is False and values["CSRF_COOKIE_SECURE"] is False
    assert values["API_DOCS_ENABLED"] is False and values["ADMIN_ENABLED"] is False
    assert values["renderers"] == ["json"]  # no browsable API: a browser gets JSON


@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("JWT_SIGNING_KEY", "x", "JWT_SIGNING_KEY must be at least 32 bytes"),
        ("JWT_SIGNING_KEY", "dev-only-jwt-signing-key-change-me-0123456789abcdef", "JWT_SIGNING_KEY is an example value"),
        ("JWT_SIGNING_KEY", "change-me-to-another-long-random-string-of-64-characters-or-more", "example value"),
        ("DJANGO_SECRET_KEY", "short", "DJANGO_SECRET_KEY must be at least 32 bytes"),
        ("DJANGO_SECRET_KEY", "change-me-to-a-long-random-string-for-production", "DJANGO_SECRET_KEY is an example value"),
        ("JWT_SIGNING_KEY", "", "JWT_SIGNING_KEY must be set"),
        ("METRICS_TOKEN", "", "METRICS_TOKEN must be set"),
        ("METRICS_TOKEN", "change-me", "METRICS_TOKEN must be at least 32 bytes"),
    ],
)
def test_production_refuses_a_weak_or_example_secret(service, variable, value, message):
    loaded = production(service, PRINT_SETTINGS, **{variable: value})
    assert loaded.returncode != 0
    assert message in loaded.stderr


# Left to the site's owner, deliberately: HSTS for every subdomain, and submitting the domain to browsers'
# preload list (both hard to undo).
SITE_OWNER_CHECKS = {"security.W005", "security.W021"}


@pytest.mark.parametrize("service", SERVICES)
def test_the_deployment_checklist_passes(service):
    checked = production(service, "import django; from django.core.management import call_command; django.setup(); "
                         "call_command('check', '--deploy')")
    assert checked.returncode == 0, checked.stderr
    reported = {line.split(": (", 1)[1].split(")", 1)[0] for line in (checked.stdout + checked.stderr).splitlines() if ": (" in line}
    assert reported <= SITE_OWNER_CHECKS, checked.stdout + checked.stderr


@pytest.fixture
def sentry_receiver():
    """A local HTTP server standing in for Sentry: (DSN, the (path, body) of what it received)."""
    from manage_scripts.recording_http_server import recording_http_server

    with recording_http_server() as (port, received):
        yield f"http://publickey@127.0.0.1:{port}/1", received


@pytest.mark.parametrize("service", SERVICES)
def test_errors_reach_sentry_only_when_a_dsn_is_set(service, sentry_receiver):
    dsn, received = sentry_receiver
    report = "import logging, django; django.setup(); logging.getLogger('eventhub.test').error('boom from %s', 'the test'); import sentry_sdk; sentry_sdk.flush(5)"
    reported = production(service, report, SENTRY_DSN=dsn)
    assert reported.returncode == 0, reported.stderr
    assert any(path == "/api/1/envelope/" and b"boom from the test" in body for path, body in received), received

    off = production(service, "import sys, django; django.setup(); print('sentry_sdk' in sys.modules, 'opentelemetry' in sys.modules)")
    assert off.returncode == 0 and off.stdout.strip() == "False False"  # neither Sentry nor OpenTelemetry even imported
