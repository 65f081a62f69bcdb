"""Helpers for the notification service's tests: tokens, people, a broker publisher, WebSocket clients."""

import asyncio
import time
import uuid

import jwt
import pika
from bson import ObjectId
from eventhub_common.messages import build_message, encode_message
from eventhub_common.topology import Topology, amqp_url_from_env, declare_topology


def make_token(user_id: str, username: str, lifetime: float = 600) -> str:
    from django.conf import settings

    config = settings.JWT_TOKENS
    now = int(time.time())
    claims = {
        "token_type": "access", "user_id": user_id, "username": username, "iat": now, "exp": int(now + lifetime),
        "jti": uuid.uuid4().hex, "iss": config.issuer, "aud": config.audience,
    }
    return jwt.encode(claims, config.signing_key, algorithm=config.algorithm)


class Person:
    """A user as this service knows one: an id and a username inside a token."""

    def __init__(self, username: str):
        self.id = str(ObjectId())
        self.username = username
        self.token = make_token(self.id, username)

    @property
    def ref(self) -> dict:
        return {"id": self.id, "username": self.username}

    @property
    def auth(self) -> dict:
        return {"HTTP_AUTHORIZATION": f"Bearer {self.token}"}


class Broker:
    """Publishes event messages the way the event service's relay does, and reads the dead-letter queue."""

    def __init__(self, topology: Topology):
        self.topology = topology
        self.connection = pika.BlockingConnection(pika.URLParameters(amqp_url_from_env()))
        self.channel = self.connection.channel()
        declare_topology(self.channel, topology)
        self.channel.confirm_delivery()

    def publish_raw(self, body: bytes, routing_key: str = "event.created", message_id: str | None = None) -> None:
        properties = pika.BasicProperties(content_type="application/json", delivery_mode=2, message_id=message_id)
        self.channel.basic_publish(self.topology.exchange, routing_key, body, properties)

    def publish(self, message: dict) -> dict:
        self.publish_raw(encode_message(message), message["type"], message["message_id"])
        return message

    def dead_letters(self, count: int, timeout: float = 10.0) -> list[tuple[dict, bytes]]:
        found, deadline = [], time.monotonic() + timeout
        while len(found) < count and time.monotonic() < deadline:
            method, properties, body = self.channel.basic_get(self.topology.dead_letter_queue, auto_ack=True)
            if method is None:
                self.connection.sleep(0.05)
                continue
            found.append((properties.headers or {}, body))
        return found

    def close(self) -> None:
        for queue in (self.topology.notification_queue, self.topology.dead_letter_queue):
            self.channel.queue_delete(queue)
        for exchange in (self.topology.exchange, self.topology.dead_letter_exchange):
            self.channel.exchange_delete(exchange)
        self.connection.close()


def event_message(kind: str, event_id: str, creator: Person, *, actor: Person | None = None, title: str = "Meetup", **extra) -> dict:
    data = {
        "id": event_id, "title": title, "start_time": "2030-01-01T10:00:00.000Z", "end_time": "2030-01-01T12:00:00.000Z",
        "status": "scheduled", "created_by": creator.ref,
    }
    if kind == "event.updated":
        data["changed_fields"] = ["title"]
    return build_message(kind, actor=(actor or creator).ref, data=data, **extra)


async def open_socket(path: str, **kwargs):
    """(communicator, connected, selected subprotocol or close code) of a handshake with the real application."""
    from channels.testing import WebsocketCommunicator

    from config.asgi import application

    communicator = WebsocketCommunicator(application, path, **kwargs)
    connected, subprotocol_or_code = await communicator.connect(timeout=10)
    return communicator, connected, subprotocol_or_code


async def connect(person: Person, since: str | None = None, subprotocol: bool = False):
    path = "/ws/notifications/"
    if subprotocol:
        communicator, connected, subprotocol_or_code = await open_socket(path, subprotocols=["bearer", person.token])
    else:
        path += f"?token={person.token}" + (f"&since={since}" if since else "")
        communicator, connected, subprotocol_or_code = await open_socket(path)
    assert connected, subprotocol_or_code
    if since is None:  # a `since` connection replays first: the caller reads that
        assert (await communicator.receive_json_from(timeout=10))["type"] == "counts"  # set up: the first frame
    return communicator


async def next_frame(communicator, timeout: float = 5.0) -> dict:
    """The next frame that is not a `counts` frame (those follow every delivered notification)."""
    while True:
        frame = await communicator.receive_json_from(timeout=timeout)
        if frame.get("type") != "counts":
            return frame


async def quiet(communicator, timeout: float = 1.0) -> bool:
    """Whether nothing but `counts` frames arrives within `timeout`."""
    deadline = asyncio.get_running_loop().time() + timeout
    while (remaining := deadline - asyncio.get_running_loop().time()) > 0:
        if await communicator.receive_nothing(timeout=remaining):
            return True
        frame = await communicator.receive_json_from(timeout=1)
        assert frame.get("type") == "counts", f"unexpected frame {frame}"
    return True


async def notifications(communicator, count: int, timeout: float = 5.0) -> list[dict]:
    """The next `count` notification frames (acks and pongs are skipped)."""
    found = []
    deadline = asyncio.get_running_loop().time() + timeout
    while len(found) < count:
        remaining = deadline - asyncio.get_running_loop().time()
        assert remaining > 0, f"got {len(found)} of {count} notifications: {found}"
        frame = await communicator.receive_json_from(timeout=remaining)
        if frame.get("type") == "notification":
            found.append(frame)
    return found


async def known(event_id: str, timeout: float = 10.0) -> None:
    """Wait until the worker has recorded the event in the registry."""
    from channels.db import database_sync_to_async

    from registry.models import KnownEvent

    exists = database_sync_to_async(lambda: KnownEvent.objects.filter(event_id=event_id).exists())
    deadline = asyncio.get_running_loop().time() + timeout
    while not await exists():
        assert asyncio.get_running_loop().time() < deadline, f"event {event_id} never reached the registry"
        await asyncio.sleep(0.05)


def store(kind: str, event_id: str, creator: Person, title: str = "Meetup"):
    """Store a notification through the worker's own processing function (no broker needed here)."""
    from notifications.processing import store_notification

    return store_notification(event_message(kind, event_id, creator, title=title)).notification


def history(api, person, query: str = "") -> dict:
    response = api.get(f"/api/notifications/{query}", **person.auth)
    assert response.status_code == 200, response.json()
    return response.json()
