"""Whose tokens this service refuses: users the event service deactivated or deleted."""

from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "access"
