"""The Event model and its indexes: one index behind every filter and ordering the API offers."""

from django.conf import settings
from django.db import models
from django_mongodb_backend.fields import ArrayField

from core.db import atomic

from .geo import GeoPointField, GeoSphereIndex
from .search import title_words


class EventStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    CANCELED = "canceled", "Canceled"
    COMPLETED = "completed", "Completed"


ATTENDANCE_COUNTERS = ("attendee_count", "waitlist_count", "attendance_version")

# Fields whose changes an `event.updated` message reports.
TRACKED_FIELDS = (
    "title", "description", "location", "start_time", "end_time", "tags",
    "max_attendees", "status", "attachment_url", "coordinates",
)


class Event(models.Model):
    """Something that happens at a place and time, created by a user.

    `save()` and `delete()` always run in a MongoDB transaction (joining the
    caller's, if any), so the outbox record written by the model's signals
    commits or rolls back with the change, whoever makes it: API, admin or shell.
    """

    title = models.CharField(max_length=100)
    # The title's distinct lower-cased words, for the indexed title search (see search.py).
    title_words = ArrayField(models.CharField(max_length=100), default=list, editable=False)
    description = models.TextField(max_length=10_000, blank=True)  # the API accepts an empty one
    location = models.CharField(max_length=255)
    start_time = models.DateTimeField()
    end_time = models.DateTimeField()
    # Looked up by the index event_creator_start_id, which starts with it.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="events", db_index=False
    )
    tags = ArrayField(models.CharField(max_length=50), default=list, blank=True)
    max_attendees = models.PositiveIntegerField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=EventStatus.choices, default=EventStatus.SCHEDULED)
    attachment_url = models.URLField(max_length=2048, blank=True, default="")
    coordinates = GeoPointField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Kept by the attendance services only (never by `save()` of a change), in the same transaction as the
    # attendance they count; `attendance_version` grows with every attendance change (messages carry it).
    attendee_count = models.PositiveIntegerField(default=0, editable=False)
    waitlist_count = models.PositiveIntegerField(default=0, editable=False)
    attendance_version = models.PositiveBigIntegerField(default=0, editable=False)
    # Grows by one with every save of an existing event: the calendar's SEQUENCE (calendars.ics).
    revision = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["start_time", "id"]
        # Every index ends in the list's order, (start_time, _id), so MongoDB walks a page off the index
        # after the filter's equality prefix instead of sorting every match (cursor pages stop at 21).
        indexes = [
            models.Index(fields=["start_time", "id"], name="event_start"),
            models.Index(fields=["status", "start_time", "id"], name="event_status_start_id"),
            models.Index(fields=["created_by", "start_time", "id"], name="event_creator_start_id"),
            models.Index(fields=["tags", "start_time", "id"], name="event_tags_start_id"),
            # A search prefix is a range on this index, so its page is sorted after the match (top-k, bounded by the
            # page size), not read off the index in order; finding 38 weighs that against a cheaper write.
            models.Index(fields=["title_words", "start_time", "id"], name="event_title_words_start_id"),
            GeoSphereIndex(fields=["coordinates"], name="event_coordinates_geo"),
        ]

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._loaded = {name: getattr(instance, name) for name in TRACKED_FIELDS if name in field_names}
        return instance

    @property
    def seats_left(self) -> int | None:
        """Free seats, None when attendance is unlimited."""
        if self.max_attendees is None:
            return None
        return max(0, self.max_attendees - self.attendee_count)

    def changed_fields(self) -> list[str]:
        """Tracked fields whose value differs from what was loaded from the database."""
        loaded = getattr(self, "_loaded", {})
        return [name for name in TRACKED_FIELDS if name in loaded and loaded[name] != getattr(self, name)]

    def save(self, *args, **kwargs):
        self.title_words = title_words(self.title)
        updating = not self._state.adding
        if updating:
            kwargs["update_fields"] = self._fields_to_update(kwargs.get("update_fields"))
            # Counted by the database, not from the loaded value: two saves of copies loaded together get two numbers.
            self.revision = models.F("revision") + 1
        with atomic():
            super().save(*args, **kwargs)
            if updating:
                self.refresh_from_db(fields=["revision"])
        self._loaded = {name: getattr(self, name) for name in TRACKED_FIELDS}

    def _fields_to_update(self, requested) -> set[str]:
        """What an update writes: the requested fields (all when none are named), `title_words` with the title,
        `revision`; never the attendance counters (`attendance.services` keeps them): a change saved from an
        instance loaded earlier must not write back the counts it loaded."""
        names = set(requested) if requested is not None else {f.name for f in self._meta.concrete_fields if not f.primary_key}
        names.add("revision")
        if "title" in names:
            names.add("title_words")
        return names - set(ATTENDANCE_COUNTERS)

    def delete(self, *args, **kwargs):
        with atomic():
            return super().delete(*args, **kwargs)

    def __str__(self):
        return self.title
