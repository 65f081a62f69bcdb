"""Notifications, their order, and each user's read state.

One notification per consumed message: `event.created` is for everyone
(`broadcast`), updates and deletions for the `recipients` computed when the
message was processed (the event's subscribers and its creator). `seq` is a
gap-free, strictly increasing number taken inside the storing transaction, so
it is the commit order: history pages and `?since=` recovery follow it.
"""

from django.db import models
from django_mongodb_backend.fields import ArrayField


class Notification(models.Model):
    message_id = models.CharField(max_length=36, unique=True)
    seq = models.BigIntegerField(unique=True)
    notification_type = models.CharField(max_length=20)
    action = models.CharField(max_length=10)
    event_id = models.CharField(max_length=24)
    event_title = models.CharField(max_length=100)
    occurred_at = models.DateTimeField()
    actor_id = models.CharField(max_length=24)
    actor_username = models.CharField(max_length=150)
    broadcast = models.BooleanField(default=False)
    recipients = ArrayField(models.CharField(max_length=24), default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-seq"]
        indexes = [
            models.Index(fields=["broadcast", "seq"], name="notification_broadcast_seq"),
            models.Index(fields=["recipients", "seq"], name="notification_recipient_seq"),
            # The unique constraint's index is partial ({$type: "string"}); SecantusDB does not use a partial
            # index for an equality match, so the consumer's duplicate check scanned every notification.
            models.Index(fields=["message_id"], name="notification_message_id"),
        ]

    def __str__(self):
        return f"#{self.seq} {self.notification_type} {self.event_title}"


class Sequence(models.Model):
    """A named counter, incremented inside transactions."""

    name = models.CharField(max_length=50, unique=True)
    value = models.BigIntegerField(default=0)


class ReadState(models.Model):
    """Per user: everything up to `read_through_seq` is read (set by read-all)."""

    user_id = models.CharField(max_length=24, unique=True)
    read_through_seq = models.BigIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["user_id"], name="readstate_user_id")]  # beside the partial unique one


class ReadReceipt(models.Model):
    """Per user and notification marked read one by one (above the user's read-through point)."""

    user_id = models.CharField(max_length=24)
    seq = models.BigIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user_id", "seq"], name="read_receipt_unique")]
