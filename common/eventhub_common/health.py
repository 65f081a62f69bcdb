"""Liveness and readiness probes for orchestrators, compose healthchecks and the run command.

`healthz` says the process serves requests; `readiness_view(...)` builds a
`readyz` view from the dependency checks a service needs to do its work.
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


def check_rabbitmq(amqp_url: str) -> str:
    problem = rabbitmq_problem(amqp_url)
    return "ok" if problem is None else f"error: {problem}"


def readiness_view(checks: dict[str, Callable[[], str]]):
    """A view answering 200 when every check says "ok", else 503, with each check's result."""

    def readyz(request):
        results = {name: check() for name, check in checks.items()}
        ready = all(value == "ok" for value in results.values())
        return JsonResponse({"status": "ok" if ready else "unavailable", "checks": results}, status=200 if ready else 503)

    return readyz
