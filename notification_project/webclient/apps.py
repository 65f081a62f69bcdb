"""The browser client: one page of plain HTML and JavaScript, served by the notification service."""

from django.apps import AppConfig


class WebclientConfig(AppConfig):
    name = "webclient"
