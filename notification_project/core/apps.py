"""Cross-cutting pieces of the notification service: token authentication, health."""

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
