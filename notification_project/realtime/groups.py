"""Channel-layer group names: every WebSocket process (one member each), one user's sockets."""

NODES_GROUP = "notifications.nodes"


def user_group(user_id: str) -> str:
    return f"notifications.user.{user_id}"
