"""Who follows an event (subscribers and attendees) and changing that; live sockets of the user follow along
through the channel layer.

Subscriptions are made here (REST or the socket). Attendance is made in the
event service; its `attendance.*` messages keep `Attendee` current (`record_attendance`).
"""

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import IntegrityError
from eventhub_common.api_errors import Conflict

from core.exceptions import NotFound
from registry.services import live_event
from realtime.groups import user_group

from .models import Attendee, Subscription

logger = logging.getLogger(__name__)


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


def followed_event_ids(user_id: str) -> list[str]:
    """The events whose updates reach this user: subscribed or attended."""
    subscribed = Subscription.objects.filter(user_id=user_id).values_list("event_id", flat=True)
    attended = Attendee.objects.filter(user_id=user_id, attending=True).values_list("event_id", flat=True)
    return sorted({*subscribed, *attended})


def follows(user_id: str, event_id: str) -> bool:
    return (
        Subscription.objects.filter(user_id=user_id, event_id=event_id).exists()
        or Attendee.objects.filter(user_id=user_id, event_id=event_id, attending=True).exists()
    )


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


def tell_sockets(user_id: str, event_id: str, subscribed: bool) -> None:
    """Ask the user's open sockets (on any node) to join or leave the event's group.

    Best effort, like every push: the subscription is stored already, and a socket
    that misses this still gets the event's notifications on its next (re)connect.
    """
    try:
        async_to_sync(get_channel_layer().group_send)(
            user_group(user_id), {"type": "subscription.changed", "event_id": event_id, "subscribed": subscribed}
        )
    except Exception:  # noqa: BLE001 - the channel layer is at-most-once by design
        logger.warning("could not tell %s's sockets about subscription %s", user_id, event_id, exc_info=True)
