"""The notification service's own record of the events it has heard about."""

from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "registry"
