"""Notification history, read state, and the worker that turns event messages into notifications."""

from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
