"""The WebSocket payload of a notification, exactly as the spec defines it (plus its `id`)."""

from eventhub_common.messages import isoformat_utc

from .models import Notification


def notification_payload(notification: Notification) -> dict:
    return {
        "type": "notification",
        "notification_type": notification.notification_type,
        "event": {
            "id": notification.event_id,
            "title": notification.event_title,
            "action": notification.action,
            "timestamp": isoformat_utc(notification.occurred_at),
        },
        "user": notification.actor_username,
        "id": str(notification.pk),
    }
