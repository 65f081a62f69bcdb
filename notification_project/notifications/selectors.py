"""Reading notifications: what a user may see, in order, and their read, seen and archived state."""

from django.db.models import Q

import eventhub_common.mongo_lookups  # noqa: F401 - registers the `has_element` lookup
from core.ids import is_object_id
from preferences.selectors import hidden_broadcasts, preference_of

from .inbox import counters, inbox_of
from .models import InboxItem, Notification

NUMBERED_LIMIT = 10_000  # notifications one read by number returns at most


def visible_to(user_id: str):
    """Every notification the user is entitled to: the broadcasts their preferences did not hide, and those
    naming them as recipient."""
    hidden = hidden_broadcasts(preference_of(user_id))
    broadcasts = Q(broadcast=True) if hidden is None else Q(broadcast=True) & ~hidden
    return Notification.objects.filter(broadcasts | Q(recipients__has_element=user_id))


def notification_for(user_id: str, notification_id: str) -> Notification | None:
    if not is_object_id(notification_id):
        return None
    return visible_to(user_id).filter(pk=notification_id).first()


def after(user_id: str, seq: int, limit: int) -> list[Notification]:
    """Up to `limit` of the user's notifications numbered above `seq`, oldest first (recovery pages)."""
    return list(visible_to(user_id).filter(seq__gt=seq).order_by("seq")[:limit])


def numbered(first: int, last: int | None = None) -> list[Notification]:
    """Every user's notifications numbered from `first` (to `last`), in order: what a node hands over when
    pushes went missing (`realtime/node.py`)."""
    numbers = Q(seq__gte=first) if last is None else Q(seq__gte=first, seq__lte=last)
    return list(Notification.objects.filter(numbers).order_by("seq")[:NUMBERED_LIMIT])


def latest_seq() -> int:
    """The newest committed notification number: the counter, which moves only in the transactions that store
    notifications. Sorting the notifications for it cost 0.35-0.6 s at 300,000 on SecantusDB (finding 31)."""
    return counters()[0]


def archived_seqs(user_id: str) -> list[int]:
    return list(InboxItem.objects.filter(user_id=user_id, archived=True).values_list("seq", flat=True))


def inbox_listing(user_id: str, archived: bool = False, unread: bool = False):
    """The user's history as listed: without archived notifications, or only them; optionally only unread."""
    notifications = visible_to(user_id)
    archive = archived_seqs(user_id)
    notifications = notifications.filter(seq__in=archive) if archived else notifications.exclude(seq__in=archive)
    if unread:
        through = inbox_of(user_id).read_through_seq
        read_above = InboxItem.objects.filter(user_id=user_id, seq__gt=through, read=True).values_list("seq", flat=True)
        notifications = notifications.filter(seq__gt=through).exclude(seq__in=list(read_above))
    return notifications


def item_flags(user_id: str, notifications: list[Notification]) -> dict[int, dict]:
    """seq -> {read, seen, archived}, for a page of notifications."""
    inbox = inbox_of(user_id)
    items = {
        item.seq: item for item in InboxItem.objects.filter(user_id=user_id, seq__in=[n.seq for n in notifications])
    } if notifications else {}
    flags = {}
    for notification in notifications:
        item = items.get(notification.seq)
        flags[notification.seq] = {
            "read": notification.seq <= inbox.read_through_seq or bool(item and item.read),
            "seen": notification.seq <= inbox.seen_through_seq,
            "archived": bool(item and item.archived),
        }
    return flags
