"""Health probes of the notification service: readiness needs MongoDB and RabbitMQ (the channel layer): one of
its addresses answering is enough (a cluster with a node down still serves)."""

from django.conf import settings
from eventhub_common.health import check_mongodb, check_rabbitmq, readiness_view

readyz = readiness_view({"mongodb": check_mongodb, "rabbitmq": lambda: check_rabbitmq(settings.AMQP_URLS)})
