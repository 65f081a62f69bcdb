"""One attendance per user and event: going (holds a seat) or waitlisted (in ticket order)."""

from django.conf import settings
from django.db import models

from events.models import Event


class AttendanceStatus(models.TextChoices):
    GOING = "going", "Going"
    WAITLISTED = "waitlisted", "Waitlisted"


class Attendance(models.Model):
    """`ticket` is the event's `attendance_version` when the user joined: the waiting list's order. `since` is
    when the current status began (joining, or the promotion)."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="attendances", db_index=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="attendances", db_index=False)
    status = models.CharField(max_length=10, choices=AttendanceStatus.choices)
    ticket = models.PositiveBigIntegerField()
    since = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["event", "user"], name="attendance_unique")]
        indexes = [
            # Positions, promotions and the attendee list: one event's attendances by status, in ticket order.
            models.Index(fields=["event", "status", "ticket"], name="attendance_event_status_ticket"),
            # `?attending=true` and the calendar feed; beside the partial unique index (decision 57).
            models.Index(fields=["user", "event"], name="attendance_user_event"),
        ]

    def __str__(self):
        return f"{self.user_id} {self.status} {self.event_id}"
