"""User accounts, passwords and token issuing."""

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
