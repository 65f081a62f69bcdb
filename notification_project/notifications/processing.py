"""Turning one validated event message into one stored notification (the worker's unit of work).

Store first, push after: the notification, the registry update and the
sequence number commit in one transaction; only then is anything pushed. A
redelivered message finds its notification already stored (unique
`message_id`) and is acknowledged without a second notification or push.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError
from django.utils.dateparse import parse_datetime
from eventhub_common.messages import EVENT_CREATED
from eventhub_common.mongo_transactions import transactional
from pymongo import ReturnDocument

from registry.services import record_event
from subscriptions.services import subscribers

from .models import Notification, Sequence

NOTIFICATION_SEQUENCE = "notifications"


@dataclass(frozen=True)
class Stored:
    """What to push after the commit; `duplicate` when the message had been processed before."""

    notification: Notification | None
    duplicate: bool


def next_seq() -> int:
    """The next notification number; taken inside the caller's transaction, so numbers follow commit order."""
    from django.db import connection

    counters = connection.database[Sequence._meta.db_table]
    document = counters.find_one_and_update(
        {"name": NOTIFICATION_SEQUENCE},
        {"$inc": {"value": 1}},
        upsert=True,
        return_document=ReturnDocument.AFTER,
        session=connection.session,
    )
    return document["value"]


@transactional(attempts=20)
def _store(message: dict) -> Notification | None:
    if Notification.objects.filter(message_id=message["message_id"]).exists():
        return None
    occurred_at: datetime = parse_datetime(message["occurred_at"])
    known = record_event(message, occurred_at)
    data, kind = message["data"], message["type"]
    broadcast = kind == EVENT_CREATED
    recipients = [] if broadcast else sorted({*subscribers(data["id"]), known.creator_id})
    return Notification.objects.create(
        message_id=message["message_id"],
        seq=next_seq(),
        notification_type=kind,
        action=kind.split(".", 1)[1],
        event_id=data["id"],
        event_title=data["title"],
        occurred_at=occurred_at,
        actor_id=message["actor"]["id"],
        actor_username=message["actor"]["username"],
        broadcast=broadcast,
        recipients=recipients,
    )


def store_notification(message: dict) -> Stored:
    """Store the notification for a validated message, once."""
    try:
        notification = _store(message)
    except IntegrityError:  # another consumer stored the same message concurrently
        return Stored(None, duplicate=True)
    return Stored(notification, duplicate=notification is None)
