"""Cross-cutting pieces of the event service: errors, auth, database helpers, health."""

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
