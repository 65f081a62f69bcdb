"""A user's subscription to an event's updates and deletion."""

from django.db import models


class Subscription(models.Model):
    user_id = models.CharField(max_length=24)
    event_id = models.CharField(max_length=24)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["user_id", "event_id"], name="subscription_unique")]
        indexes = [
            models.Index(fields=["event_id"], name="subscription_event"),
            models.Index(fields=["user_id"], name="subscription_user"),  # beside the partial unique one (decision 57)
        ]

    def __str__(self):
        return f"{self.user_id} -> {self.event_id}"


class Attendee(models.Model):
    """A user's attendance of an event as the `attendance.*` messages tell it: going or waitlisted users get the
    event's updates and deletion as subscribers do. `version` is the event's attendance version of the newest
    message applied, so a message arriving late (several consumers) cannot undo a newer one."""

    user_id = models.CharField(max_length=24)
    event_id = models.CharField(max_length=24)
    attending = models.BooleanField()
    version = models.PositiveBigIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user_id", "event_id"], name="attendee_unique")]
        indexes = [
            models.Index(fields=["event_id", "attending"], name="attendee_event"),
            models.Index(fields=["user_id", "event_id"], name="attendee_user"),  # beside the partial unique one (decision 57)
        ]

    def __str__(self):
        return f"{self.user_id} {'attends' if self.attending else 'left'} {self.event_id}"
