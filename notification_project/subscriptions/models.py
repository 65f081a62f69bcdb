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
