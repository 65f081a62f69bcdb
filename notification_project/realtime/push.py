"""Pushing a stored notification to the sockets entitled to it, through channel-layer groups.

- `event.created` goes to the broadcast group: one receiver per process is in it
  and hands the notification to every local socket (`broadcast.py`).
- `event.updated` / `event.deleted` go to the event's group (sockets of its
  subscribers join it) and to the creator's user group (the creator is always
  told). A socket whose user is both gets it twice and drops the second copy by
  notification id, so every connection receives it exactly once.

The channel layer is at-most-once: a full or unreachable layer loses the push,
never the notification, which stays in history for `?since=` recovery.
"""

import logging

from channels.exceptions import ChannelFull
from eventhub_common.log_context import TRACEPARENT

from notifications.models import Notification
from notifications.payloads import notification_payload

from .groups import BROADCAST_GROUP, event_group, user_group

logger = logging.getLogger(__name__)


def push_groups(notification: Notification, creator_id: str) -> list[str]:
    if notification.broadcast:
        return [BROADCAST_GROUP]
    return [event_group(notification.event_id), user_group(creator_id)]


async def push_notification(layer, notification: Notification, creator_id: str) -> None:
    message = {
        "type": "notification.message",
        "traceparent": TRACEPARENT.get(),  # the WebSocket nodes log the push in the write's trace
        "seq": notification.seq,
        "recipients": None if notification.broadcast else notification.recipients,
        "payload": notification_payload(notification),
    }
    for group in push_groups(notification, creator_id):
        try:
            await layer.group_send(group, message)
        except ChannelFull:
            logger.warning("channel layer full: notification %s not pushed to %s (history has it)", notification.pk, group)


async def close_user_sockets(layer, user_id: str) -> None:
    """Every open socket of this user, on every node, closes (4003): their access was revoked."""
    await layer.group_send(user_group(user_id), {"type": "access.revoked"})
