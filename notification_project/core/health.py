"""Liveness and readiness probes: readiness needs MongoDB and RabbitMQ."""

import pika
from django.conf import settings
from django.db import connection
from django.http import JsonResponse


def healthz(request):
    return JsonResponse({"status": "ok"})


def _check_mongodb() -> str:
    try:
        connection.ensure_connection()
        connection.connection.admin.command("ping")
        return "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means not ready
        return f"error: {exc.__class__.__name__}"


def _check_rabbitmq() -> str:
    parameters = pika.URLParameters(settings.AMQP_URL)
    parameters.connection_attempts = 1
    parameters.socket_timeout = 2
    try:
        pika.BlockingConnection(parameters).close()
        return "ok"
    except Exception as exc:  # noqa: BLE001
        return f"error: {exc.__class__.__name__}"


def readyz(request):
    checks = {"mongodb": _check_mongodb(), "rabbitmq": _check_rabbitmq()}
    ready = all(value == "ok" for value in checks.values())
    return JsonResponse({"status": "ok" if ready else "unavailable", "checks": checks}, status=200 if ready else 503)
