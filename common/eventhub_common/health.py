"""Liveness and readiness probes for orchestrators, compose healthchecks and the run command.

`healthz` says the process serves requests; `readiness_view(...)` builds a
`readyz` view from the dependency checks a service needs to do its work, and
reports those it can do without (`degraded`, still 200).
"""

from collections.abc import Callable

from django.db import connection
from django.http import JsonResponse

from .topology import rabbitmq_problem


def healthz(request):
    """The process is up and serving requests."""
    return JsonResponse({"status": "ok"})


def check_mongodb() -> str:
    try:
        connection.ensure_connection()
        connection.connection.admin.command("ping")
        return "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means not ready
        return f"error: {exc.__class__.__name__}"


def check_rabbitmq(amqp_urls: str | list[str]) -> str:
    """"ok" when one of the broker's addresses accepts a connection (tried in turn)."""
    problem = rabbitmq_problem(amqp_urls)
    return "ok" if problem is None else f"error: {problem}"


def check_redis() -> str:
    """The default cache's Redis answers PING (through the cache's circuit breaker)."""
    from django.core.cache import cache

    try:
        cache._cache.get_client().ping()
        return "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means not answering
        return f"error: {exc.__class__.__name__}"


def readiness_view(checks: dict[str, Callable[[], str]], optional: dict[str, Callable[[], str]] | None = None):
    """A view answering 200 when every check says "ok", else 503, with each check's result; a failing
    `optional` check makes the status `degraded`, still 200 (the service works without it)."""

    def readyz(request):
        results = {name: check() for name, check in checks.items()}
        extra = {name: check() for name, check in (optional or {}).items()}
        ready = all(value == "ok" for value in results.values())
        status = "unavailable" if not ready else "ok" if all(value == "ok" for value in extra.values()) else "degraded"
        return JsonResponse({"status": status, "checks": {**results, **extra}}, status=200 if ready else 503)

    return readyz
