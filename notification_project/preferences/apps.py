"""What each user chose not to be told."""

from django.apps import AppConfig


class PreferencesConfig(AppConfig):
    name = "preferences"
