"""Pushing a stored notification to the sockets entitled to it, and telling a user's sockets of a change.

Every notification, broadcast or personal, goes to one group that each
WebSocket process has one member in (`node.py`): the process hands it to its
local sockets, in notification order, the recipients' own sockets only when it
names recipients. Who is entitled was decided when the notification was stored
(`processing.recipients_of`, from the database), so a socket needs no group
per event.

A user's sockets, on every node, share the user's group: access revocation,
and the changes that make them read their counts or preferences again.

The channel layer is at-most-once: a full or unreachable layer loses the push,
never the notification, which stays in history; `node.py` fills what is
missing from history.
"""

import logging

from asgiref.sync import async_to_sync
from channels.exceptions import ChannelFull
from channels.layers import get_channel_layer
from eventhub_common.log_context import TRACEPARENT

from notifications.models import Notification
from notifications.payloads import notification_payload

from .groups import NODES_GROUP, user_group

logger = logging.getLogger(__name__)


def push_message(notification: Notification) -> dict:
    return {
        "type": "notification.message",
        "traceparent": TRACEPARENT.get(),  # the WebSocket nodes log the push in the write's trace
        "seq": notification.seq,
        "recipients": None if notification.broadcast else notification.recipients,
        "payload": notification_payload(notification),
    }


async def push_notification(layer, notification: Notification) -> None:
    try:
        await layer.group_send(NODES_GROUP, push_message(notification))
    except ChannelFull:
        logger.warning("channel layer full: notification %s not pushed (history has it)", notification.pk)


async def close_user_sockets(layer, user_id: str) -> None:
    """Every open socket of this user, on every node, closes (4003): their access was revoked."""
    await layer.group_send(user_group(user_id), {"type": "access.revoked"})


def tell_user(user_id: str, change: str) -> None:
    """From synchronous code, after a commit: the user's open sockets, on every node, handle `change`
    (`counts.changed`: read the counts again; `preferences.changed`: read the preferences again).

    Best effort, like every push: a socket that misses it reads both on its next (re)connect."""
    try:
        async_to_sync(get_channel_layer().group_send)(user_group(user_id), {"type": change})
    except Exception:  # noqa: BLE001 - the channel layer is at-most-once by design
        logger.warning("could not tell %s's sockets: %s", user_id, change, exc_info=True)
