"""The per-process broadcast receiver: one group member per process, every local socket served."""

import asyncio

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


class Socket:
    """Stands in for a NotificationConsumer: records what the broadcast hands it."""

    def __init__(self, fail: bool = False):
        self.fail = fail
        self.received: list[dict] = []

    async def notification_message(self, message):
        if self.fail:
            raise ConnectionError("socket already closed")
        self.received.append(message)


async def until(condition, timeout: float = 5.0):
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def test_every_local_socket_gets_each_broadcast_even_when_one_fails():
    from channels.layers import get_channel_layer

    from realtime.broadcast import node_broadcast
    from realtime.groups import BROADCAST_GROUP

    node = node_broadcast()
    healthy, broken, late = Socket(), Socket(fail=True), Socket()
    for socket in (healthy, broken):
        await node.join(socket)
    receiver = node._task
    await get_channel_layer().group_send(BROADCAST_GROUP, {"type": "notification.message", "n": 1})
    await until(lambda: len(healthy.received) == 1)

    await node.join(late)
    assert node._task is receiver  # one receiver per process, however many sockets join
    node.leave(healthy)
    await get_channel_layer().group_send(BROADCAST_GROUP, {"type": "notification.message", "n": 2})
    await until(lambda: len(late.received) == 1)
    assert [m["n"] for m in healthy.received] == [1]
    assert [m["n"] for m in late.received] == [2]
    for socket in (broken, late):
        node.leave(socket)


async def test_a_push_lost_while_the_channel_layer_reconnects_reaches_the_open_socket_from_history(people):
    """The layer is at most once: what it dropped while its RabbitMQ connection was down is replayed to every
    open socket once the connection is back (here the connection is closed from our side; a broker restart
    closes it from the other)."""
    from bson import ObjectId
    from channels.db import database_sync_to_async
    from channels.layers import get_channel_layer

    from notifications.processing import store_notification
    from realtime.push import push_notification

    from .helpers import connect, event_message, notifications

    ann, ben = people["ann"], people["ben"]
    socket = await connect(ben)
    lost = event_message("event.created", str(ObjectId()), ann, title="pushed while the layer was away")
    await database_sync_to_async(store_notification)(lost)  # stored; its push never reached this node
    assert await socket.receive_nothing(timeout=0.3)

    layer = get_channel_layer()
    await (await layer.carehare_connection).close()
    (recovered,) = await notifications(socket, 1, timeout=10)
    assert recovered["event"]["title"] == "pushed while the layer was away"

    live = await database_sync_to_async(store_notification)(event_message("event.created", str(ObjectId()), ann, title="live"))
    await push_notification(layer, live.notification, ann.id)
    (payload,) = await notifications(socket, 1)
    assert payload["event"]["title"] == "live"
    assert await socket.receive_nothing(timeout=0.5)  # nothing twice
    await socket.disconnect()
