"""Health probes of the notification service: readiness needs MongoDB and RabbitMQ (the channel layer)."""

from django.conf import settings
from eventhub_common.health import check_mongodb, check_rabbitmq, healthz, readiness_view  # noqa: F401

readyz = readiness_view({"mongodb": check_mongodb, "rabbitmq": lambda: check_rabbitmq(settings.AMQP_URL)})
