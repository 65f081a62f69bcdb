"""Each user's counts, kept by every change instead of counted from history.

    visible = broadcasts + personal - muted - (broadcasts - created_muted_at_broadcasts, while mute_created)
    unread  = visible - read_base - read_above - archived_unread
    unseen  = visible - seen_base - archived_unseen

`broadcasts` is one global counter (the `notifications` sequence document), so a
broadcast costs no write per user; `personal` and `muted` are raised by the
consumer in the transaction that stores the notifications; the rest by the
user's own read, seen and archive changes (`services.py`). All of them, with the
newest notification number, are read in one snapshot: counts are one read of
three documents, whatever the size of the history.
"""

import functools
import operator
from collections import Counter
from dataclasses import dataclass

from django.db import connection
from django.db.models import Q
from pymongo import UpdateOne

import eventhub_common.mongo_lookups  # noqa: F401 - registers the `has_element` lookup
from eventhub_common.mongo_transactions import atomic
from preferences.models import Preference

from .models import Inbox, Notification, Sequence

NOTIFICATION_SEQUENCE = "notifications"
BROADCASTS_FIELD = "broadcasts"


@dataclass(frozen=True)
class Counts:
    unread: int
    unseen: int
    as_of: int  # the newest notification number they include

    def message(self) -> dict:
        return {"type": "counts", "unread": self.unread, "unseen": self.unseen}


def counters() -> tuple[int, int]:
    """(the newest notification number, the number of broadcasts stored), as the current snapshot has them."""
    document = connection.database[Sequence._meta.db_table].find_one(
        {"name": NOTIFICATION_SEQUENCE}, {"value": 1, BROADCASTS_FIELD: 1}, session=connection.session
    )
    return (document.get("value", 0), document.get(BROADCASTS_FIELD, 0)) if document else (0, 0)


def hold_numbering() -> None:
    """Inside a transaction that changes who gets what (a preference, a mute): write the counter document
    that every storing transaction writes, so that the two conflict and one is retried after the other. The
    change then holds exactly from the next notification number on: a storing transaction snapshotted before
    it cannot commit after it."""
    connection.database[Sequence._meta.db_table].update_one(
        {"name": NOTIFICATION_SEQUENCE}, {"$inc": {"preference_changes": 1}}, upsert=True, session=connection.session
    )


def raise_muted(user_id: str, amount: int) -> None:
    """Inside a transaction: `amount` more broadcasts hidden from the user (a mute of every new event ended)."""
    if amount:
        connection.database[Inbox._meta.db_table].bulk_write(_raise("muted", Counter({user_id: amount})), session=connection.session)


def visible(inbox: Inbox, preference: Preference | None, broadcasts: int) -> int:
    running_mute = broadcasts - preference.created_muted_at_broadcasts if preference and preference.mute_created else 0
    return broadcasts + inbox.personal - inbox.muted - running_mute


def inbox_of(user_id: str) -> Inbox:
    """The user's inbox as stored, or a new empty one (not saved)."""
    return Inbox.objects.filter(user_id=user_id).first() or Inbox(user_id=user_id)


def counts(user_id: str) -> Counts:
    with atomic():  # one snapshot: the counters and the user's documents agree
        latest, broadcasts = counters()
        inbox = inbox_of(user_id)
        preference = Preference.objects.filter(user_id=user_id).first()
    shown = visible(inbox, preference, broadcasts)
    return Counts(
        unread=shown - inbox.read_base - inbox.read_above - inbox.archived_unread,
        unseen=shown - inbox.seen_base - inbox.archived_unseen,
        as_of=latest,
    )


_NEW_INBOX = {field.attname: field.default for field in Inbox._meta.concrete_fields if field.attname not in ("id", "user_id")}


def _raise(field: str, by_user: Counter) -> list[UpdateOne]:
    return [
        UpdateOne(
            {"user_id": user_id},
            {"$inc": {field: amount}, "$setOnInsert": {key: value for key, value in _NEW_INBOX.items() if key != field}},
            upsert=True,
        )
        for user_id, amount in by_user.items()
    ]


def record_stored(notifications: list[Notification]) -> None:
    """Inside the storing transaction: each recipient's `personal` count, and `muted` for users who mute the
    creator of a stored broadcast (those who mute every new event are counted by their running mute)."""
    personal = Counter(user_id for n in notifications if not n.broadcast for user_id in n.recipients)
    by_creator = Counter(n.actor_username for n in notifications if n.broadcast)
    muted: Counter = Counter()
    if by_creator:
        muting = functools.reduce(operator.or_, (Q(muted_creators__has_element=creator) for creator in by_creator))
        for user_id, creators in Preference.objects.filter(muting, mute_created=False).values_list("user_id", "muted_creators"):
            muted[user_id] += sum(by_creator[creator] for creator in set(creators) if creator in by_creator)
    updates = _raise("personal", personal) + _raise("muted", muted)
    if updates:
        connection.database[Inbox._meta.db_table].bulk_write(updates, ordered=False, session=connection.session)
