"""WebSocket limits (issue 17): client frames, frame size, replay length, the subprotocol answer, Origin."""

import time

import pytest
from bson import ObjectId
from channels.db import database_sync_to_async

from .helpers import Person, connect, event_message, next_frame, open_socket, quiet

pytestmark = pytest.mark.django_db(transaction=True)


async def closed_with(socket) -> int:
    output = await socket.receive_output(timeout=5)
    while output["type"] != "websocket.close":
        output = await socket.receive_output(timeout=5)
    return output["code"]


async def test_a_token_offered_as_subprotocol_is_never_echoed_and_bearer_is_selected_when_offered():
    person = Person("proto")
    socket, connected, selected = await open_socket("/ws/notifications/", subprotocols=["bearer", person.token])
    assert connected and selected == "bearer"
    await socket.disconnect()
    socket, connected, selected = await open_socket("/ws/notifications/", subprotocols=[person.token])
    assert connected and selected is None
    await socket.disconnect()


async def test_frames_beyond_the_budget_close_the_socket_with_1008(settings):
    settings.WEBSOCKET_FRAME_BURST, settings.WEBSOCKET_FRAMES_PER_SECOND = 5, 0.5
    socket = await connect(Person("chatty"))
    for _ in range(5):
        await socket.send_json_to({"action": "ping"})
        assert await next_frame(socket) == {"type": "pong"}
    await socket.send_json_to({"action": "ping"})
    assert await closed_with(socket) == 1008


async def test_a_frame_over_the_size_limit_closes_the_socket_with_1009(settings):
    socket = await connect(Person("big"))
    await socket.send_to(text_data="x" * settings.WEBSOCKET_MAX_FRAME_BYTES)  # at the limit: an error, still open
    assert (await next_frame(socket))["code"] == "invalid_json"
    await socket.send_to(text_data="x" * (settings.WEBSOCKET_MAX_FRAME_BYTES + 1))
    assert await closed_with(socket) == 1009


def store_created(creator: Person, count: int) -> list[str]:
    from notifications.processing import store_notification

    return [
        str(store_notification(event_message("event.created", str(ObjectId()), creator, title=f"n{n}")).notification.pk)
        for n in range(count)
    ]


@pytest.mark.parametrize("stored_after", [3, 6])
async def test_a_since_replay_stops_at_its_limit_and_says_where(settings, monkeypatch, stored_after):
    from realtime.consumers import NotificationConsumer

    settings.WEBSOCKET_REPLAY_LIMIT = 3
    monkeypatch.setattr(NotificationConsumer, "replay_batch", 2)  # the limit falls inside a page
    creator = Person("prolific")
    first, *after = await database_sync_to_async(store_created)(creator, 1 + stored_after)
    socket = await connect(creator, since=first)
    frames = [await next_frame(socket) for _ in range(3)]
    assert [frame["id"] for frame in frames] == after[:3]
    if stored_after > 3:
        assert await next_frame(socket) == {"type": "replay_truncated", "replayed": 3, "last_id": after[2]}
    assert await next_frame(socket) == {"type": "recovered", "complete": stored_after == 3}
    assert await quiet(socket, timeout=0.5)
    await socket.disconnect()


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [(None, True), (b"http://localhost:8001", True), (b"https://client.example", True), (b"https://evil.example", False)],
)
async def test_browsers_connect_only_from_allowed_origins(settings, origin, allowed):
    settings.WEBSOCKET_ALLOWED_ORIGINS = ["https://client.example"]
    headers = [(b"origin", origin)] if origin else []
    person = Person("browser")
    socket, connected, _ = await open_socket(f"/ws/notifications/?token={person.token}", headers=headers)
    assert connected is allowed
    if connected:
        await socket.disconnect()


async def test_a_subscribe_past_the_limit_is_an_error_frame_and_the_socket_stays_open(settings):
    settings.SUBSCRIPTIONS_PER_USER = 1
    creator, follower = Person("host"), Person("fan")
    await database_sync_to_async(store_created)(creator, 2)
    from registry.models import KnownEvent

    events = await database_sync_to_async(lambda: list(KnownEvent.objects.values_list("event_id", flat=True)[:2]))()
    socket = await connect(follower)
    await socket.send_json_to({"action": "subscribe", "event_id": events[0]})
    assert (await next_frame(socket))["type"] == "ack"
    await socket.send_json_to({"action": "subscribe", "event_id": events[1]})
    frame = await next_frame(socket)
    assert frame["type"] == "error" and frame["code"] == "too_many_subscriptions"
    await socket.send_json_to({"action": "ping"})
    assert await next_frame(socket) == {"type": "pong"}
    await socket.disconnect()


async def test_sockets_beyond_the_per_user_limit_are_closed_with_4029_until_one_closes(settings):
    settings.WEBSOCKET_SOCKETS_PER_USER = 2
    person, other = Person("many-tabs"), Person("other-tabs")
    first, second = await connect(person), await connect(person)
    third, connected, _ = await open_socket(f"/ws/notifications/?token={person.token}")
    assert connected and await closed_with(third) == 4029
    await (await connect(other)).disconnect()  # the limit is per user
    await first.disconnect()
    again = await connect(person)
    await socket_is_open(again)
    for socket in (second, again):
        await socket.disconnect()


async def test_the_slot_of_a_socket_whose_process_died_is_free_once_its_token_expires(settings):
    from realtime import socket_slots

    settings.WEBSOCKET_SOCKETS_PER_USER = 1
    person = Person("crashed-node")
    # A socket of a process that died without releasing: its token expired a second ago.
    assert await database_sync_to_async(socket_slots.claim)(person.id, "dead", now=time.time() - 60, expires_at=time.time() - 1)
    socket = await connect(person)
    await socket_is_open(socket)
    await socket.disconnect()


async def socket_is_open(socket):
    await socket.send_json_to({"action": "ping"})
    assert await next_frame(socket) == {"type": "pong"}
