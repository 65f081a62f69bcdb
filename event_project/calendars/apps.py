"""Calendars: events as RFC 5545 iCalendar files, one per event and a personal feed of the events a user attends."""

from django.apps import AppConfig


class CalendarsConfig(AppConfig):
    name = "calendars"
