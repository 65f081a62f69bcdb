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
