"""Pushing a stored notification to the sockets entitled to it, through channel-layer groups.

- `event.created` goes to the broadcast group: one receiver per process is in it
  and hands the notification to every local socket (`broadcast.py`).
- `event.updated` / `event.deleted` go to the event's group (sockets of its
  subscribers join it) and to the creator's user group (the creator is always
  told). A socket whose user is both gets it twice and drops the second copy by
  notification id, so every connection receives it exactly once. Sockets of
  attendees (going or waitlisted) are in the event's group too.
- `attendance.*` go to their recipients' user groups (the promoted user, or the
  event's creator).

The channel layer is at-most-once: a full or unreachable layer loses the push,
never the notification, which stays in history for `?since=` recovery.
"""

import logging

from channels.exceptions import ChannelFull
from eventhub_common.log_context import TRACEPARENT
from eventhub_common.messages import ATTENDANCE_MESSAGE_TYPES

from notifications.models import Notification
from notifications.payloads import notification_payload

from .groups import BROADCAST_GROUP, event_group, user_group

logger = logging.getLogger(__name__)


def push_groups(notification: Notification, creator_id: str) -> list[str]:
    if notification.broadcast:
        return [BROADCAST_GROUP]
    if notification.notification_type in ATTENDANCE_MESSAGE_TYPES:
        return [user_group(user_id) for user_id in notification.recipients]
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


async def follow_attendance(layer, message: dict) -> None:
    """The attendee's open sockets, on every node, join the event's group (going or waitlisted) or leave it
    (left, unless still subscribed): the same hand-off as a subscription made over REST."""
    data = message["data"]
    change = {"type": "subscription.changed", "event_id": data["id"], "subscribed": data["attendance"]["status"] != "none"}
    try:
        await layer.group_send(user_group(data["attendee"]["id"]), change)
    except ChannelFull:
        logger.warning("channel layer full: %s's sockets not told about attendance of %s", data["attendee"]["id"], data["id"])
