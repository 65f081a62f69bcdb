"""What this service knows of an event, learned only from the messages it consumed."""

from django.db import models


class KnownEvent(models.Model):
    """An event seen in a message: enough to route notifications and to answer 404s."""

    event_id = models.CharField(max_length=24, unique=True)
    title = models.CharField(max_length=100)
    creator_id = models.CharField(max_length=24)
    creator_username = models.CharField(max_length=150)
    deleted = models.BooleanField(default=False)
    last_message_at = models.DateTimeField()

    class Meta:
        ordering = ["-last_message_at"]
        # Looked up by event_id for every message; the unique index is partial, which SecantusDB does not use
        # for an equality match (see Notification's message_id index).
        indexes = [models.Index(fields=["event_id"], name="knownevent_event_id")]

    def __str__(self):
        return f"{self.title} ({'deleted' if self.deleted else self.event_id})"
