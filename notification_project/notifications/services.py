"""Read state: one notification, or everything so far."""

from django.db import IntegrityError

from core.exceptions import NotFound

from . import selectors
from .models import Notification, ReadReceipt, ReadState


def mark_read(user_id: str, notification_id: str) -> Notification:
    notification = selectors.notification_for(user_id, notification_id)
    if notification is None:
        raise NotFound("No such notification.")
    if notification.seq > selectors.read_through(user_id):
        try:
            ReadReceipt.objects.get_or_create(user_id=user_id, seq=notification.seq)
        except IntegrityError:
            pass  # marked concurrently
    return notification


def mark_all_read(user_id: str) -> int:
    """Everything up to the newest notification is read; returns that point."""
    through = selectors.latest_seq()
    state, _ = ReadState.objects.get_or_create(user_id=user_id)
    if through > state.read_through_seq:
        state.read_through_seq = through
        state.save(update_fields=["read_through_seq"])
    ReadReceipt.objects.filter(user_id=user_id, seq__lte=state.read_through_seq).delete()
    return state.read_through_seq
