"""The transactional outbox: messages committed with the data they describe, relayed to RabbitMQ."""

from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "outbox"
