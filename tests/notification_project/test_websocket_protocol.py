"""The WebSocket protocol: authentication, token expiry, client actions and their errors."""

import asyncio
import time

import jwt
import pytest
from bson import ObjectId

from .helpers import Person, connect, event_message, known, make_token, next_frame, notifications, open_socket, quiet

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("worker")]


async def refused(path: str, **kwargs) -> bool:
    communicator, connected, _ = await open_socket(path, **kwargs)
    if connected:
        await communicator.disconnect()
    return not connected


@pytest.mark.parametrize(
    "token",
    [
        None,
        "garbage",
        "a.b.c",
        pytest.param("expired", id="expired"),
        pytest.param("foreign", id="foreign-signature"),
    ],
)
async def test_the_handshake_is_refused_without_a_valid_token(token):
    import jwt

    if token == "expired":
        token = make_token(str(ObjectId()), "old", lifetime=-10)
    elif token == "foreign":
        valid = make_token(str(ObjectId()), "eve")
        claims = jwt.decode(valid, options={"verify_signature": False})
        token = jwt.encode(claims, "someone-elses-key-0123456789abcdef", algorithm="HS256")
    path = "/ws/notifications/" + (f"?token={token}" if token else "")
    assert await refused(path)


async def test_the_token_may_come_as_a_websocket_subprotocol(people):
    socket = await connect(people["ann"], subprotocol=True)
    await socket.send_json_to({"action": "ping"})
    assert await next_frame(socket) == {"type": "pong"}
    await socket.disconnect()


async def test_the_server_closes_with_4001_when_the_token_expires():
    person = Person("brief")
    person.token = make_token(person.id, person.username, lifetime=3)  # `exp` is whole seconds: 2-3 s from now
    expires = jwt.decode(person.token, options={"verify_signature": False})["exp"]
    socket, connected, _ = await open_socket(f"/ws/notifications/?token={person.token}")
    assert connected
    while (output := await socket.receive_output(timeout=10))["type"] == "websocket.send":
        pass  # the first `counts` frame, unless a slow machine took past the expiry to send it
    assert output == {"type": "websocket.close", "code": 4001}
    assert time.time() >= expires - 0.05  # closed because the token expired, not for another reason


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ("{not json", "invalid_json"),
        ("[1, 2]", "invalid_json"),
        ('{"action": "dance"}', "unknown_action"),
        ('{"action": "subscribe"}', "invalid_event_id"),
        ('{"action": "subscribe", "event_id": "nope"}', "unknown_event"),
        ('{"action": "subscribe", "event_id": "000000000000000000000000"}', "unknown_event"),
    ],
)
async def test_bad_client_messages_get_a_json_error_and_the_connection_stays_open(people, frame, code):
    socket = await connect(people["ann"])
    await socket.send_to(text_data=frame)
    error = await next_frame(socket)
    assert error["type"] == "error" and error["code"] == code
    await socket.send_json_to({"action": "ping"})
    assert await next_frame(socket) == {"type": "pong"}
    await socket.disconnect()


async def test_subscribe_and_unsubscribe_by_websocket(broker, people):
    ann, ben = people["ann"], people["ben"]
    event_id = str(ObjectId())
    broker.publish(event_message("event.created", event_id, ann))
    await known(event_id)
    socket = await connect(ben)

    await socket.send_json_to({"action": "subscribe", "event_id": event_id})
    assert await next_frame(socket) == {"type": "ack", "action": "subscribe", "event_id": event_id, "changed": True}
    broker.publish(event_message("event.updated", event_id, ann, title="v2"))
    (payload,) = await notifications(socket, 1)
    assert payload["event"]["title"] == "v2"

    await socket.send_json_to({"action": "unsubscribe", "event_id": event_id})
    assert await next_frame(socket) == {"type": "ack", "action": "unsubscribe", "event_id": event_id, "changed": True}
    broker.publish(event_message("event.updated", event_id, ann, title="v3"))
    assert await quiet(socket, timeout=1.5)
    await socket.disconnect()


async def test_subscribing_over_rest_makes_open_sockets_follow(broker, people):
    from channels.db import database_sync_to_async
    from rest_framework.test import APIClient

    ann, ben = people["ann"], people["ben"]
    event_id = str(ObjectId())
    broker.publish(event_message("event.created", event_id, ann))
    await known(event_id)
    socket = await connect(ben)

    def rest_subscribe():
        return APIClient().post(f"/api/events/{event_id}/subscription/", **ben.auth).status_code

    assert await database_sync_to_async(rest_subscribe)() == 201
    await asyncio.sleep(0.3)
    broker.publish(event_message("event.updated", event_id, ann, title="over rest"))
    (payload,) = await notifications(socket, 1)
    assert payload["event"]["title"] == "over rest"
    await socket.disconnect()
