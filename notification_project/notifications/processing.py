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
from eventhub_common.messages import (
    ATTENDANCE_GOING,
    ATTENDANCE_LEFT,
    ATTENDANCE_MESSAGE_TYPES,
    ATTENDANCE_PROMOTED,
    EVENT_CREATED,
    EVENT_DELETED,
    EVENT_UPDATED,
)
from eventhub_common.mongo_transactions import transactional
from pymongo import ReturnDocument

from preferences.selectors import muters_by_event
from registry.services import record_event, record_events
from subscriptions.services import followers_by_event, record_attendance

from .inbox import BROADCASTS_FIELD, NOTIFICATION_SEQUENCE, record_stored
from .models import Notification, Sequence


@dataclass(frozen=True)
class Stored:
    """What to push after the commit; `duplicate` when the message had been processed before (its earlier
    notification, when there is one, is pushed again; None for a copy within one batch). `notification` is
    None, not a duplicate, for a message that makes no notification (`attendance.waitlisted`)."""

    notification: Notification | None
    duplicate: bool


def next_seq(count: int = 1, broadcasts: int = 0) -> int:
    """The first of the next `count` notification numbers (`broadcasts` of them broadcasts, which the same
    document counts for the inbox counts); taken inside the caller's transaction, so numbers follow commit order."""
    from django.db import connection

    counters = connection.database[Sequence._meta.db_table]
    document = counters.find_one_and_update(
        {"name": NOTIFICATION_SEQUENCE},
        {"$inc": {"value": count, BROADCASTS_FIELD: broadcasts}},
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


def recipients_of(message: dict, creator_id: str, followers: dict[str, set[str]], muters: dict[str, set[str]]) -> list[str] | None:
    """Who the message's notification is for ([] for everyone), or None when it makes none:
    `event.created` is for everyone; an update or deletion for the event's followers (subscribers and
    attendees) and its creator, less those who muted the event; a promotion from the waiting list for the promoted user; someone going or
    leaving for the event's creator; a place on the waiting list for nobody (it only updates `Attendee`)."""
    kind, data = message["type"], message["data"]
    if kind == EVENT_CREATED:
        return []
    if kind in (EVENT_UPDATED, EVENT_DELETED):
        return sorted({*followers.get(data["id"], ()), creator_id} - muters.get(data["id"], set()))
    if kind == ATTENDANCE_PROMOTED:
        return [data["attendee"]["id"]]
    if kind in (ATTENDANCE_GOING, ATTENDANCE_LEFT):
        return [creator_id]
    return None


def _audience(messages: list[dict]) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """(followers, muters) of each event an update or deletion among `messages` is about."""
    targeted = [message["data"]["id"] for message in messages if message["type"] in (EVENT_UPDATED, EVENT_DELETED)]
    return (followers_by_event(targeted), muters_by_event(targeted)) if targeted else ({}, {})


def _numbered(notifying: list[tuple[dict, datetime, list[str]]]) -> list[Notification]:
    """The notifications of `notifying` with their numbers, counted in the inbox counts (in the transaction)."""
    first = next_seq(len(notifying), broadcasts=sum(1 for message, _, _ in notifying if message["type"] == EVENT_CREATED))
    notifications = [
        _notification(message, first + offset, occurred_at, recipients)
        for offset, (message, occurred_at, recipients) in enumerate(notifying)
    ]
    record_stored(notifications)
    return notifications


@transactional(attempts=20)
def _store(message: dict) -> tuple[Notification | None, bool]:
    """(the message's notification or None when it makes none, whether it was processed now)."""
    stored = Notification.objects.filter(message_id=message["message_id"]).first()
    if stored is not None:
        return stored, False
    occurred_at: datetime = parse_datetime(message["occurred_at"])
    known = record_event(message, occurred_at)
    if message["type"] in ATTENDANCE_MESSAGE_TYPES:
        record_attendance(message)
    recipients = recipients_of(message, known.creator_id, *_audience([message]))
    if recipients is None:
        return None, True
    [notification] = _numbered([(message, occurred_at, recipients)])
    notification.save(force_insert=True)
    return notification, True


@transactional(attempts=20)
def _store_batch(messages: list[dict]) -> list[Notification | None]:
    """Each message's new notification in order, None for one earlier in the batch or one that makes none;
    IntegrityError (the transaction aborted) when one was stored before."""
    ids = [message["message_id"] for message in messages]
    seen = set()
    fresh = []
    for message in messages:
        if message["message_id"] not in seen:
            seen.add(message["message_id"])
            fresh.append((message, parse_datetime(message["occurred_at"])))
    known = record_events(fresh)
    for message, _ in fresh:
        if message["type"] in ATTENDANCE_MESSAGE_TYPES:
            record_attendance(message)  # in order, before the recipients of later messages are read
    followers, muters = _audience([message for message, _ in fresh])
    notifying = []
    for message, occurred_at in fresh:
        recipients = recipients_of(message, known[message["data"]["id"]].creator_id, followers, muters)
        if recipients is not None:
            notifying.append((message, occurred_at, recipients))
    created = {notification.message_id: notification for notification in _numbered(notifying)} if notifying else {}
    Notification.objects.bulk_create(list(created.values()))
    return [created.pop(message_id, None) for message_id in ids]


def store_notification(message: dict) -> Stored:
    """Store the notification for a validated message, once."""
    try:
        notification, created = _store(message)
    except IntegrityError:
        # Another consumer stored the same message concurrently, or inserted a document this one meant to
        # (a user's `Attendee` entry or `Inbox`) first: now committed, so the second try finds the stored
        # notification (and pushes it again, which sockets drop by id) or updates that document.
        notification, created = _store(message)
    return Stored(notification, duplicate=not created)


def store_notifications(messages: list[dict]) -> list[Stored]:
    """`store_notification` for several messages in one transaction, with the results in their order."""
    try:
        notifications = _store_batch(messages)
    except IntegrityError:  # one of them was stored before (or meanwhile): the batch rolled back whole
        return [store_notification(message) for message in messages]
    results, seen = [], set()
    for message, notification in zip(messages, notifications, strict=True):
        results.append(Stored(notification, duplicate=message["message_id"] in seen))  # a copy within the batch
        seen.add(message["message_id"])
    return results
