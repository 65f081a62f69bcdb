"""Channel-layer group names: everyone, one user's sockets, one event's subscribers' sockets."""

BROADCAST_GROUP = "notifications.all"


def user_group(user_id: str) -> str:
    return f"notifications.user.{user_id}"


def event_group(event_id: str) -> str:
    return f"notifications.event.{event_id}"
