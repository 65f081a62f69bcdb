"""Keeping the event registry current from consumed messages."""

from datetime import datetime

from core.ids import is_object_id

from .models import KnownEvent


def record_event(message: dict, occurred_at: datetime) -> KnownEvent:
    """Insert or update the registry entry from a validated message (called inside the worker's transaction)."""
    data = message["data"]
    known = KnownEvent.objects.filter(event_id=data["id"]).first() or KnownEvent(event_id=data["id"])
    if known.pk and known.last_message_at > occurred_at and message["type"] != "event.deleted":
        return known  # an older message arriving late must not undo a newer state
    known.title = data["title"]
    known.creator_id = data["created_by"]["id"]
    known.creator_username = data["created_by"]["username"]
    known.deleted = known.deleted or message["type"] == "event.deleted"
    known.last_message_at = max(filter(None, [known.last_message_at, occurred_at]))
    known.save()
    return known


def live_event(event_id: str) -> KnownEvent | None:
    """The registry entry of an event that exists and is not deleted, else None."""
    if not is_object_id(event_id):
        return None
    return KnownEvent.objects.filter(event_id=event_id, deleted=False).first()
