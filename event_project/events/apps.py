"""Events: the model, its validation rules, and the CRUD API."""

from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "events"

    def ready(self):
        from . import signals  # noqa: F401 - connects the outbox hand-off
