"""Turning validated event messages into stored notifications (the worker's unit of work).

Store first, push after: the notifications, the registry updates and the
sequence numbers commit in one transaction; only then is anything pushed. A
redelivered message finds its notification already stored (unique
`message_id`) and is acknowledged without a second notification; that stored
notification is pushed again, since a consumer that died between its commit and
its push caused the redelivery (sockets drop a notification they already have, by id).

The worker hands over the messages that are ready together (`store_notifications`):
one transaction and a handful of round trips for the batch instead of six per
message. The batch does not look for messages stored before: the unique index
on `message_id` refuses a redelivered one, the whole batch rolls back, and it
is stored again one message per transaction, each checking first (redeliveries
are rare; the look-up was one of a batch's five statements).
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError
from django.utils.dateparse import parse_datetime
from eventhub_common.messages import EVENT_CREATED
from eventhub_common.mongo_transactions import transactional
from pymongo import ReturnDocument

from registry.services import record_event, record_events
from subscriptions.services import subscribers, subscribers_by_event

from .models import Notification, Sequence

NOTIFICATION_SEQUENCE = "notifications"


@dataclass(frozen=True)
class Stored:
    """What to push after the commit; `duplicate` when the message had been processed before (its earlier
    notification, when there is one, is pushed again; None for a copy within one batch)."""

    notification: Notification | None
    duplicate: bool


def next_seq(count: int = 1) -> int:
    """The first of the next `count` notification numbers; taken inside the caller's transaction, so numbers
    follow commit order."""
    from django.db import connection

    counters = connection.database[Sequence._meta.db_table]
    document = counters.find_one_and_update(
        {"name": NOTIFICATION_SEQUENCE},
        {"$inc": {"value": count}},
        upsert=True,
        return_document=ReturnDocument.AFTER,
        session=connection.session,
    )
    return document["value"] - count + 1


def _notification(message: dict, seq: int, occurred_at: datetime, recipients: list[str]) -> Notification:
    kind, data = message["type"], message["data"]
    return Notification(
        message_id=message["message_id"],
        seq=seq,
        notification_type=kind,
        action=kind.split(".", 1)[1],
        event_id=data["id"],
        event_title=data["title"],
        occurred_at=occurred_at,
        actor_id=message["actor"]["id"],
        actor_username=message["actor"]["username"],
        broadcast=kind == EVENT_CREATED,
        recipients=recipients,
    )


@transactional(attempts=20)
def _store(message: dict) -> tuple[Notification, bool]:
    """(the message's notification, whether it was stored now)."""
    stored = Notification.objects.filter(message_id=message["message_id"]).first()
    if stored is not None:
        return stored, False
    occurred_at: datetime = parse_datetime(message["occurred_at"])
    known = record_event(message, occurred_at)
    broadcast = message["type"] == EVENT_CREATED
    recipients = [] if broadcast else sorted({*subscribers(message["data"]["id"]), known.creator_id})
    notification = _notification(message, next_seq(), occurred_at, recipients)
    notification.save(force_insert=True)
    return notification, True


@transactional(attempts=20)
def _store_batch(messages: list[dict]) -> list[Notification | None]:
    """Each message's new notification in order, None for one earlier in the batch; IntegrityError (the
    transaction aborted) when one was stored before."""
    ids = [message["message_id"] for message in messages]
    seen = set()
    fresh = []
    for message in messages:
        if message["message_id"] not in seen:
            seen.add(message["message_id"])
            fresh.append((message, parse_datetime(message["occurred_at"])))
    known = record_events(fresh)
    targeted = [message["data"]["id"] for message, _ in fresh if message["type"] != EVENT_CREATED]
    followers = subscribers_by_event(targeted) if targeted else {}
    first = next_seq(len(fresh))
    created = {}
    for offset, (message, occurred_at) in enumerate(fresh):
        event_id = message["data"]["id"]
        broadcast = message["type"] == EVENT_CREATED
        recipients = [] if broadcast else sorted({*followers.get(event_id, ()), known[event_id].creator_id})
        created[message["message_id"]] = _notification(message, first + offset, occurred_at, recipients)
    Notification.objects.bulk_create(list(created.values()))
    return [created.pop(message_id, None) for message_id in ids]


def store_notification(message: dict) -> Stored:
    """Store the notification for a validated message, once."""
    try:
        notification, created = _store(message)
    except IntegrityError:  # another consumer stored the same message concurrently (and pushes it)
        return Stored(None, duplicate=True)
    return Stored(notification, duplicate=not created)


def store_notifications(messages: list[dict]) -> list[Stored]:
    """`store_notification` for several messages in one transaction, with the results in their order."""
    try:
        notifications = _store_batch(messages)
    except IntegrityError:  # one of them was stored before (or meanwhile): the batch rolled back whole
        return [store_notification(message) for message in messages]
    return [Stored(notification, duplicate=notification is None) for notification in notifications]
