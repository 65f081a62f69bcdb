"""Notifications, their order, and each user's inbox: read, seen and archived state and the kept counts.

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
    """A named counter, incremented inside transactions. The `notifications` one also counts the broadcasts
    stored so far in a `broadcasts` field (written by `processing.next_seq`, read by `inbox.py`)."""

    name = models.CharField(max_length=50, unique=True)
    value = models.BigIntegerField(default=0)


class Inbox(models.Model):
    """Per user, the numbers the counts are made of, kept by every change so that counts cost one read
    whatever the size of the history (`inbox.py` has the arithmetic).

    The visible notifications are every broadcast (a global counter) plus the user's `personal` ones, minus
    the broadcasts they had muted (`muted`, and the `Preference`'s running mute of new events). Read-all and
    seen-all record how many were visible then (`read_base`, `seen_base`) and up to which number
    (`read_through_seq`, `seen_through_seq`); one notification read above that point counts in `read_above`;
    archived notifications leave the counts, tracked as `archived_unread` and `archived_unseen`.
    """

    user_id = models.CharField(max_length=24, unique=True)
    personal = models.BigIntegerField(default=0)
    muted = models.BigIntegerField(default=0)
    read_through_seq = models.BigIntegerField(default=0)
    read_base = models.BigIntegerField(default=0)
    read_above = models.BigIntegerField(default=0)
    archived_unread = models.BigIntegerField(default=0)
    seen_through_seq = models.BigIntegerField(default=0)
    seen_base = models.BigIntegerField(default=0)
    archived_unseen = models.BigIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["user_id"], name="inbox_user_id")]  # beside the partial unique one (decision 57)

    def __str__(self):
        return f"inbox of {self.user_id}"


class InboxItem(models.Model):
    """One user's state of one notification, where it differs from the defaults: read one by one above the
    user's read-through point, or archived."""

    user_id = models.CharField(max_length=24)
    seq = models.BigIntegerField()
    read = models.BooleanField(default=False)
    archived = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user_id", "seq"], name="inbox_item_unique")]
        indexes = [
            models.Index(fields=["user_id", "seq"], name="inbox_item_user_seq"),  # beside the partial unique one
            models.Index(fields=["user_id", "archived", "seq"], name="inbox_item_archived"),
        ]
