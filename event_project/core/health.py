"""Liveness and readiness probes for orchestrators and the run command."""

from django.db import connection
from django.http import JsonResponse


def healthz(request):
    """The process is up and serving requests."""
    return JsonResponse({"status": "ok"})


def readyz(request):
    """Dependencies answer: MongoDB now; RabbitMQ checks join as features need them."""
    checks = {}
    try:
        connection.ensure_connection()
        connection.connection.admin.command("ping")
        checks["mongodb"] = "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means not ready
        checks["mongodb"] = f"error: {exc.__class__.__name__}"
    ready = all(value == "ok" for value in checks.values())
    return JsonResponse({"status": "ok" if ready else "unavailable", "checks": checks}, status=200 if ready else 503)
