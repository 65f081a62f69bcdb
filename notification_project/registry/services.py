"""Keeping the event registry current from consumed messages."""

from datetime import datetime

from core.ids import is_object_id

from .models import KnownEvent


def _apply(known: KnownEvent, message: dict, occurred_at: datetime) -> bool:
    """Bring `known` up to date with the message; False when the message is older than what it holds."""
    if known.last_message_at is not None and known.last_message_at > occurred_at and message["type"] != "event.deleted":
        return False  # an older message arriving late must not undo a newer state
    data = message["data"]
    known.title = data["title"]
    known.creator_id = data["created_by"]["id"]
    known.creator_username = data["created_by"]["username"]
    known.deleted = known.deleted or message["type"] == "event.deleted"
    known.last_message_at = max(filter(None, [known.last_message_at, occurred_at]))
    return True


def record_event(message: dict, occurred_at: datetime) -> KnownEvent:
    """Insert or update the registry entry from a validated message (called inside the worker's transaction)."""
    event_id = message["data"]["id"]
    known = KnownEvent.objects.filter(event_id=event_id).first() or KnownEvent(event_id=event_id)
    if _apply(known, message, occurred_at):
        known.save()
    return known


def record_events(messages: list[tuple[dict, datetime]]) -> dict[str, KnownEvent]:
    """`record_event` for several (message, occurred_at) in order: one read, one insert of the new entries and
    one save per changed existing entry. Returns the entries by event id."""
    event_ids = {message["data"]["id"] for message, _ in messages}
    known = {entry.event_id: entry for entry in KnownEvent.objects.filter(event_id__in=event_ids).order_by()}
    changed = set()
    for message, occurred_at in messages:
        event_id = message["data"]["id"]
        entry = known.setdefault(event_id, KnownEvent(event_id=event_id))
        if _apply(entry, message, occurred_at):
            changed.add(event_id)
    new = [known[event_id] for event_id in changed if known[event_id].pk is None]
    for entry in (known[event_id] for event_id in changed if known[event_id].pk is not None):
        entry.save()
    KnownEvent.objects.bulk_create(new)
    return known


def live_event(event_id: str) -> KnownEvent | None:
    """The registry entry of an event that exists and is not deleted, else None."""
    if not is_object_id(event_id):
        return None
    return KnownEvent.objects.filter(event_id=event_id, deleted=False).first()
