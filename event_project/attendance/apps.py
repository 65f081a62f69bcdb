"""Attendance: RSVPs against an event's seats, with a waiting list promoted in order."""

from django.apps import AppConfig


class AttendanceConfig(AppConfig):
    name = "attendance"
