"""What a user does not want to be told: new events at all, new events of some creators, one event's changes.

A preference applies from the moment it is saved: what was stored before stays.
So the broadcasts a preference hides are recorded as ranges of notification
numbers (`hidden`), which history reads to leave them out, and counted as they
are stored (`Inbox.muted`), which the counts read. A running mute of all new
events is not counted broadcast by broadcast: it holds the broadcast counter at
its start, and the difference is what it hides so far.
"""

from django.db import models
from django_mongodb_backend.fields import ArrayField


class Preference(models.Model):
    user_id = models.CharField(max_length=24, unique=True)
    mute_created = models.BooleanField(default=False)
    muted_creators = ArrayField(models.CharField(max_length=150), default=list, blank=True)
    # While `mute_created`: the broadcast counter when it began.
    created_muted_at_broadcasts = models.BigIntegerField(default=0)
    # [{"creator": null (every creator) or a username, "from": first hidden seq, "to": first seq shown again or null}]
    hidden = models.JSONField(default=list, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["user_id"], name="preference_user_id"),  # beside the partial unique one (decision 57)
            models.Index(fields=["muted_creators"], name="preference_muted_creators"),
        ]

    def __str__(self):
        return f"preferences of {self.user_id}"


class EventMute(models.Model):
    """The user gets no `event.updated` / `event.deleted` of this event, while staying subscribed or attending."""

    user_id = models.CharField(max_length=24)
    event_id = models.CharField(max_length=24)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user_id", "event_id"], name="event_mute_unique")]
        indexes = [
            models.Index(fields=["event_id"], name="event_mute_event"),
            models.Index(fields=["user_id", "event_id"], name="event_mute_user"),  # beside the partial unique one
        ]

    def __str__(self):
        return f"{self.user_id} mutes {self.event_id}"
