"""RabbitMQ definitions for a deployment: one broker user per role, each with only the permissions it needs.

    python -m manage_scripts.broker_definitions OUT.json

Compose runs this once before the broker starts (service `broker-definitions`); the broker loads the file
at boot (`load_definitions` in docker/rabbitmq/rabbitmq.conf), so no `guest` or default user exists. The
passwords come from the environment and are stored only as RabbitMQ's salted SHA-256 hashes.

| user (env of its password) | who | configure | write | read |
|---|---|---|---|---|
| relay (`RABBITMQ_RELAY_PASSWORD`) | the outbox relay | the namespace's objects | the namespace's objects | the two exchanges and the work queue (declaring a queue with a dead-letter exchange needs read on it), not the dead letters |
| consumer (`RABBITMQ_CONSUMER_PASSWORD`) | the notification worker, `dead_letters` | the namespace's objects | the namespace's objects | the namespace's objects |
| layer (`RABBITMQ_LAYER_PASSWORD`) | the channel layer (WebSocket nodes, the worker's pushes) | `channels_*` queues, the groups exchange | the same | the same: it cannot touch the event queues |
| admin (`RABBITMQ_ADMIN_PASSWORD`) | operators (management UI, `rabbitmqctl`) | everything | everything | everything |
"""

import base64
import hashlib
import json
import os
import re
import secrets
import sys
from pathlib import Path

VHOST = "/"


def password_hash(password: str, salt: bytes | None = None) -> str:
    """RabbitMQ's `rabbit_password_hashing_sha256`: base64(salt + SHA-256(salt + password)), a 4-byte salt."""
    salt = salt if salt is not None else secrets.token_bytes(4)
    return base64.b64encode(salt + hashlib.sha256(salt + password.encode()).digest()).decode()


def role_permissions(namespace: str, groups_exchange: str) -> dict[str, dict[str, str]]:
    ns = re.escape(namespace)
    layer = f"^(channels_.*|{re.escape(groups_exchange)})$"
    return {
        # Read on the work queue: RabbitMQ requires it to declare a queue with a dead-letter exchange, and
        # the relay declares the topology so that nothing it publishes before the consumer's first start is
        # unroutable. It has no read on the dead-letter queue.
        "relay": {
            "configure": f"^{ns}\\.",
            "write": f"^{ns}\\.",
            "read": f"^{ns}\\.(events|events\\.dead-letter|notifications\\.event-changes)$",
        },
        "consumer": {"configure": f"^{ns}\\.", "write": f"^{ns}\\.", "read": f"^{ns}\\."},
        "layer": {"configure": layer, "write": f"^(channels_.*|{re.escape(groups_exchange)}|amq\\.default)$", "read": layer},
        "admin": {"configure": ".*", "write": ".*", "read": ".*"},
    }


def definitions(users: dict[str, str], passwords: dict[str, str], namespace: str, groups_exchange: str) -> dict:
    """`users`: role -> user name; `passwords`: role -> password."""
    permissions = role_permissions(namespace, groups_exchange)
    return {
        "vhosts": [{"name": VHOST}],
        "users": [
            {
                "name": users[role],
                "password_hash": password_hash(passwords[role]),
                "hashing_algorithm": "rabbit_password_hashing_sha256",
                "tags": ["administrator"] if role == "admin" else [],
            }
            for role in permissions
        ],
        "permissions": [{"user": users[role], "vhost": VHOST, **permissions[role]} for role in permissions],
    }


def from_env() -> dict:
    namespace = os.environ.get("BROKER_NAMESPACE") or "eventhub"
    prefix = os.environ.get("RABBITMQ_USER_PREFIX") or "eventhub"
    roles = ("relay", "consumer", "layer", "admin")
    missing = [f"RABBITMQ_{role.upper()}_PASSWORD" for role in roles if not os.environ.get(f"RABBITMQ_{role.upper()}_PASSWORD")]
    if missing:
        raise SystemExit(f"set {', '.join(missing)} (docker/env.example)")
    return definitions(
        users={role: f"{prefix}-{role}" for role in roles},
        passwords={role: os.environ[f"RABBITMQ_{role.upper()}_PASSWORD"] for role in roles},
        namespace=namespace,
        groups_exchange=os.environ.get("CHANNEL_LAYER_GROUPS_EXCHANGE") or f"{namespace}.groups",
    )


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        raise SystemExit("usage: python -m manage_scripts.broker_definitions OUT.json")
    out = Path(argv[0])
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(from_env(), indent=2))
    out.chmod(0o644)  # the broker's own user reads it; it holds hashes, not passwords
    print(f"RabbitMQ definitions written to {out}: users {', '.join(u['name'] for u in json.loads(out.read_text())['users'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
