"""Read, seen and archived state, one notification or everything so far, with the kept counts (`inbox.py`).

Each change is one transaction that writes the user's `Inbox`, so concurrent
changes of one user (and the consumer raising their counts) conflict and are
retried on a fresh snapshot. After the commit the user's open sockets, on every
node, are told to read their counts again when they changed.
"""

from eventhub_common.mongo_transactions import transactional

from core.exceptions import NotFound
from preferences.selectors import preference_of
from realtime.push import tell_user

from . import selectors
from .inbox import counters, inbox_of, visible
from .models import Inbox, InboxItem, Notification

COUNTS_CHANGED = "counts.changed"


def _visible_now(user_id: str) -> tuple[int, int]:
    """(the newest notification number, how many the user has been shown up to it), in this snapshot."""
    latest, broadcasts = counters()
    return latest, visible(_inbox(user_id), preference_of(user_id), broadcasts)


def _inbox(user_id: str) -> Inbox:
    inbox = inbox_of(user_id)
    if inbox.pk is None:
        inbox.save()  # a concurrent first save conflicts (or meets the unique index) and is retried
    return inbox


def _item(user_id: str, seq: int) -> InboxItem:
    return InboxItem.objects.filter(user_id=user_id, seq=seq).first() or InboxItem(user_id=user_id, seq=seq)


def _found(user_id: str, notification_id: str) -> Notification:
    notification = selectors.notification_for(user_id, notification_id)
    if notification is None:
        raise NotFound("No such notification.")
    return notification


def _save(inbox: Inbox, *fields: str) -> None:
    inbox.save(update_fields=list(fields))


def _told(user_id: str, changed: bool) -> None:
    if changed:
        tell_user(user_id, COUNTS_CHANGED)


@transactional(attempts=20)
def _mark_read(user_id: str, notification_id: str) -> tuple[Notification, bool]:
    notification = _found(user_id, notification_id)
    inbox = _inbox(user_id)
    item = _item(user_id, notification.seq)
    if notification.seq <= inbox.read_through_seq or item.read:
        return notification, False
    if item.archived:
        inbox.archived_unread -= 1  # it leaves the archived unread ones for the read ones: unread stays
    inbox.read_above += 1
    item.read = True
    item.save()
    _save(inbox, "read_above", "archived_unread")
    return notification, not item.archived


def mark_read(user_id: str, notification_id: str) -> Notification:
    notification, changed = _mark_read(user_id, notification_id)
    _told(user_id, changed)
    return notification


@transactional(attempts=20)
def _mark_all_read(user_id: str) -> tuple[int, bool]:
    latest, shown = _visible_now(user_id)
    inbox = _inbox(user_id)
    if latest <= inbox.read_through_seq:
        return inbox.read_through_seq, False
    unread_before = shown - inbox.read_base - inbox.read_above - inbox.archived_unread
    inbox.read_through_seq, inbox.read_base, inbox.read_above, inbox.archived_unread = latest, shown, 0, 0
    _save(inbox, "read_through_seq", "read_base", "read_above", "archived_unread")
    InboxItem.objects.filter(user_id=user_id, seq__lte=latest, archived=False).delete()
    return latest, unread_before > 0


def mark_all_read(user_id: str) -> int:
    """Everything up to the newest notification is read; returns that point."""
    through, changed = _mark_all_read(user_id)
    _told(user_id, changed)
    return through


@transactional(attempts=20)
def _mark_seen(user_id: str) -> tuple[int, bool]:
    latest, shown = _visible_now(user_id)
    inbox = _inbox(user_id)
    if latest <= inbox.seen_through_seq:
        return inbox.seen_through_seq, False
    unseen_before = shown - inbox.seen_base - inbox.archived_unseen
    inbox.seen_through_seq, inbox.seen_base, inbox.archived_unseen = latest, shown, 0
    _save(inbox, "seen_through_seq", "seen_base", "archived_unseen")
    return latest, unseen_before > 0


def mark_seen(user_id: str) -> int:
    """Everything up to the newest notification is seen (the badge clears); returns that point."""
    through, changed = _mark_seen(user_id)
    _told(user_id, changed)
    return through


@transactional(attempts=20)
def _set_archived(user_id: str, notification_id: str, archived: bool) -> tuple[Notification, bool]:
    """Archive or unarchive; (the notification, whether the counts changed)."""
    notification = _found(user_id, notification_id)
    inbox = _inbox(user_id)
    item = _item(user_id, notification.seq)
    if item.archived == archived:
        return notification, False
    step = 1 if archived else -1
    unread = notification.seq > inbox.read_through_seq and not item.read
    unseen = notification.seq > inbox.seen_through_seq
    inbox.archived_unread += step * unread
    inbox.archived_unseen += step * unseen
    _save(inbox, "archived_unread", "archived_unseen")
    item.archived = archived
    if item.archived or item.read:
        item.save()
    elif item.pk is not None:
        item.delete()  # back to the defaults
    return notification, unread or unseen


def set_archived(user_id: str, notification_id: str, archived: bool) -> Notification:
    notification, changed = _set_archived(user_id, notification_id, archived)
    _told(user_id, changed)
    return notification
