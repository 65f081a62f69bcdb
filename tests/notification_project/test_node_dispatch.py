"""The per-process receiver: one group member per process, every local socket served, in number order, with
gaps filled from history."""

import asyncio
import json

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


class Socket:
    """Stands in for a NotificationConsumer: records what the node hands it."""

    def __init__(self, user_id: str, fail: bool = False, log: list | None = None):
        self.user_id = user_id
        self.fail = fail
        self.log = [] if log is None else log  # what it was handed, in order (shareable between sockets)
        self.received: list[dict] = []
        self.counts_asked_after: list[int] = []  # how many notifications it had when asked for its counts

    async def notification_message(self, message):
        if self.fail:
            raise ConnectionError("socket already closed")
        self.received.append(message)
        self.log.append((self.user_id, "notification"))
        return True  # pushed

    async def send_counts_if_changed(self):
        self.counts_asked_after.append(len(self.received))
        self.log.append((self.user_id, "counts"))


async def until(condition, timeout: float = 5.0):
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.02)


def _message(seq: int, recipients=None) -> dict:
    return {"type": "notification.message", "seq": seq, "recipients": recipients, "payload": {"id": f"n{seq}", "user": "ann", "event": {"timestamp": "2027-01-01T10:00:00.000Z"}}}


async def _started_node(*sockets):
    from realtime.node import this_node

    node = this_node()
    for socket in sockets:
        await node.join(socket)
    return node


async def test_every_local_socket_gets_each_broadcast_even_when_one_fails():
    from channels.layers import get_channel_layer

    from realtime.groups import NODES_GROUP

    healthy, broken, late = Socket("u1"), Socket("u2", fail=True), Socket("u3")
    node = await _started_node(healthy, broken)
    receiver, first = node._task, node.next_seq
    await get_channel_layer().group_send(NODES_GROUP, _message(first))
    await until(lambda: len(healthy.received) == 1)

    await node.join(late)
    assert node._task is receiver  # one receiver per process, however many sockets join
    node.leave(healthy)
    await get_channel_layer().group_send(NODES_GROUP, _message(first + 1))
    await until(lambda: len(late.received) == 1)
    assert [m["seq"] for m in healthy.received] == [first]
    assert [m["seq"] for m in late.received] == [first + 1]
    for socket in (broken, late):
        node.leave(socket)


async def test_a_personal_notification_reaches_only_its_recipients_sockets():
    ann, ben = Socket("ann"), Socket("ben")
    node = await _started_node(ann, ben)
    await node.arrived(_message(node.next_seq, recipients=["ben"]))
    assert (ann.received, [m["payload"]["id"] for m in ben.received]) == ([], [f"n{node.next_seq - 1}"])
    for socket in (ann, ben):
        node.leave(socket)


async def test_notifications_are_handed_over_in_number_order_whatever_order_they_arrive_in():
    socket = Socket("u1")
    node = await _started_node(socket)
    first = node.next_seq
    for offset in (2, 1, 4, 0, 3):
        await node.arrived(_message(first + offset))
    await node.arrived(_message(first + 1))  # a redelivered message pushed again: dropped
    assert [m["seq"] for m in socket.received] == [first + n for n in range(5)]
    # Counts are asked once per hand-over, after its notifications: #0-#2 together, #3, #4 together.
    assert socket.counts_asked_after == [3, 5]
    node.leave(socket)


async def test_counts_follow_a_notification_only_once_every_socket_has_it():
    log = []
    first_socket, second_socket = Socket("u1", log=log), Socket("u2", log=log)
    node = await _started_node(first_socket, second_socket)
    await node.arrived(_message(node.next_seq))
    assert sorted(log[:2]) == [("u1", "notification"), ("u2", "notification")]
    assert sorted(log[2:]) == [("u1", "counts"), ("u2", "counts")]
    assert first_socket.received[0]["text"] == json.dumps(first_socket.received[0]["payload"], separators=(",", ":"))
    for socket in (first_socket, second_socket):
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

    from .helpers import connect, event_message, notifications, quiet

    ann, ben = people["ann"], people["ben"]
    socket = await connect(ben)
    lost = event_message("event.created", str(ObjectId()), ann, title="pushed while the layer was away")
    await database_sync_to_async(store_notification)(lost)  # stored; its push never reached this node
    assert await quiet(socket, timeout=0.3)

    layer = get_channel_layer()
    await (await layer.carehare_connection).close()
    (recovered,) = await notifications(socket, 1, timeout=10)
    assert recovered["event"]["title"] == "pushed while the layer was away"

    live = await database_sync_to_async(store_notification)(event_message("event.created", str(ObjectId()), ann, title="live"))
    await push_notification(layer, live.notification)
    (payload,) = await notifications(socket, 1)
    assert payload["event"]["title"] == "live"
    assert await quiet(socket, timeout=0.5)  # nothing twice
    await socket.disconnect()


async def test_a_notification_whose_push_never_came_is_read_from_history_before_the_later_one(people):
    """Two consumers: one commits #n and dies before pushing it, the other commits #n+1 and pushes. Sockets get
    #n from history, then #n+1, in order."""
    from bson import ObjectId
    from channels.db import database_sync_to_async
    from channels.layers import get_channel_layer

    from notifications.processing import store_notification
    from realtime.push import push_notification

    from .helpers import connect, event_message, notifications

    ann, ben = people["ann"], people["ben"]
    socket = await connect(ben)
    unpushed = await database_sync_to_async(store_notification)(event_message("event.created", str(ObjectId()), ann, title="never pushed"))
    pushed = await database_sync_to_async(store_notification)(event_message("event.created", str(ObjectId()), ann, title="pushed"))
    await push_notification(get_channel_layer(), pushed.notification)
    first, second = await notifications(socket, 2, timeout=10)
    assert (first["event"]["title"], second["event"]["title"]) == ("never pushed", "pushed")
    await socket.disconnect()


async def test_a_node_that_gets_no_push_reads_what_history_has_after_two_checks(people, settings):
    """Pushes that stop with no error (a binding lost while a broker node died): the node sees history ahead
    of it at two checks in a row, reads the rest from there and reconnects its layer."""
    from bson import ObjectId
    from channels.db import database_sync_to_async

    from notifications.processing import store_notification

    from .helpers import connect, event_message, notifications

    settings.WEBSOCKET_SILENCE_CHECK_SECONDS = 0.2
    ann, ben = people["ann"], people["ben"]
    socket = await connect(ben)
    await database_sync_to_async(store_notification)(event_message("event.created", str(ObjectId()), ann, title="no push"))
    (recovered,) = await notifications(socket, 1, timeout=10)
    assert recovered["event"]["title"] == "no push"
    await socket.disconnect()
