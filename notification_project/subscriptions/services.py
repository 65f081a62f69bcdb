"""Who follows an event (subscribers and attendees), and changing that. Sockets need no telling: who gets a
notification is read from here when it is stored (`notifications/processing.py`).

Subscriptions are made here (REST or the socket). Attendance is made in the
event service; its `attendance.*` messages keep `Attendee` current (`record_attendance`).
"""

from django.conf import settings
from django.db import IntegrityError
from eventhub_common.api_errors import Conflict

from core.exceptions import NotFound
from registry.services import live_event

from .models import Attendee, Subscription


def subscribe(user_id: str, event_id: str) -> tuple[Subscription, bool]:
    """Subscribe (idempotent); returns the subscription and whether it is new. Unknown or deleted event:
    NotFound; a user at SUBSCRIPTIONS_PER_USER: Conflict."""
    if live_event(event_id) is None:
        raise NotFound("No such event (unknown or deleted).")
    existing = Subscription.objects.filter(user_id=user_id, event_id=event_id).first()
    if existing:
        return existing, False
    if Subscription.objects.filter(user_id=user_id).count() >= settings.SUBSCRIPTIONS_PER_USER:
        # Counted, not reserved: concurrent subscribes of one user can pass it by a few.
        raise Conflict(f"At most {settings.SUBSCRIPTIONS_PER_USER} subscriptions per user.", code="too_many_subscriptions")
    try:
        subscription = Subscription.objects.create(user_id=user_id, event_id=event_id)
    except IntegrityError:  # a concurrent subscribe won
        return Subscription.objects.get(user_id=user_id, event_id=event_id), False
    return subscription, True


def unsubscribe(user_id: str, event_id: str) -> bool:
    """Remove the subscription if any; returns whether one existed."""
    deleted, _ = Subscription.objects.filter(user_id=user_id, event_id=event_id).delete()
    return bool(deleted)


def followers_by_event(event_ids: list[str]) -> dict[str, set[str]]:
    """The followers of each of `event_ids`: subscribers and attendees (going or waitlisted), each once (events
    without any are left out)."""
    followers: dict[str, set[str]] = {}
    ids = set(event_ids)
    for user_id, event_id in Subscription.objects.filter(event_id__in=ids).order_by().values_list("user_id", "event_id"):
        followers.setdefault(event_id, set()).add(user_id)
    attendees = Attendee.objects.filter(event_id__in=ids, attending=True).order_by().values_list("user_id", "event_id")
    for user_id, event_id in attendees:
        followers.setdefault(event_id, set()).add(user_id)
    return followers


def record_attendance(message: dict) -> None:
    """Apply an `attendance.*` message (inside the worker's transaction) unless a newer one was applied."""
    data = message["data"]
    user_id, event_id, attendance = data["attendee"]["id"], data["id"], data["attendance"]
    attending = attendance["status"] != "none"
    entry = Attendee.objects.filter(user_id=user_id, event_id=event_id).first()
    if entry is None:
        # A consumer inserting the same entry concurrently makes this an IntegrityError (see processing.py).
        Attendee.objects.create(user_id=user_id, event_id=event_id, attending=attending, version=attendance["version"])
    elif entry.version < attendance["version"]:
        entry.attending, entry.version = attending, attendance["version"]
        entry.save(update_fields=["attending", "version"])
