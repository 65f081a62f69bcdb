"""One broadcast receiver per process that hands each broadcast notification to every local socket.

Every socket is entitled to `event.created`. Through Channels alone each socket
would be its own member of the broadcast group: channels-rabbitmq copies the
message into one queue per socket and wakes each socket's task to dispatch it,
which cost the node ~0.16–0.24 ms of its one core per socket (5,000 sockets:
over a second per notification). Here one channel per process is in the
broadcast group, and its receiver calls each local consumer's own handler
(recipient check, hold-back during replay, de-duplication) directly.
User and event groups stay ordinary Channels groups.

The same registry of local sockets is how pushes lost to a broker outage are
recovered. The channel layer is at most once: while its connection to RabbitMQ is
down (and until it has re-declared its queue and bindings) a push to this process
is dropped, and the socket, which stays open, would never ask for it. So when the
layer's connection comes back, every local socket replays from history what it
may have missed (`NotificationConsumer.recover`). Every notification whose push
was lost was stored before that push, so before the reconnect, so the replay
finds it; de-duplication by id drops what did arrive.
"""

import asyncio
import logging
import weakref

from channels.exceptions import StopConsumer
from channels.layers import get_channel_layer
from eventhub_common.tracing import continued

from .groups import BROADCAST_GROUP

logger = logging.getLogger(__name__)
RECONNECT_POLL_SECONDS = 0.05


class NodeBroadcast:
    """The sockets of this process and the task that receives the broadcast group for them."""

    def __init__(self):
        # Weak: a consumer whose connect failed before `disconnect` could run must not linger here.
        self.members: weakref.WeakSet = weakref.WeakSet()
        self._lock = asyncio.Lock()
        self._task: asyncio.Task | None = None
        self._watch: asyncio.Task | None = None

    async def join(self, consumer) -> None:
        self.members.add(consumer)
        async with self._lock:
            if self._task is None or self._task.done():
                layer = get_channel_layer()
                channel = await layer.new_channel("broadcast.")
                await layer.group_add(BROADCAST_GROUP, channel)
                self._task = asyncio.create_task(self._receive(layer, channel), name="node-broadcast")
            if self._watch is None or self._watch.done():
                self._watch = asyncio.create_task(self._recover_after_reconnects(get_channel_layer()), name="layer-watch")

    def leave(self, consumer) -> None:
        self.members.discard(consumer)

    async def _receive(self, layer, channel: str) -> None:
        while True:
            try:
                message = await layer.receive(channel)
            except (StopConsumer, asyncio.CancelledError):
                return  # the layer is shutting down
            except Exception:  # noqa: BLE001 - keep receiving; the history has what a push misses
                logger.exception("broadcast receive failed; retrying")
                await asyncio.sleep(0.5)
                continue
            with continued(message.get("traceparent"), "websocket.push"):
                members = list(self.members)
                for consumer in members:
                    try:
                        await consumer.notification_message(message)
                    except Exception:  # noqa: BLE001 - one closed socket must not stop the others
                        logger.exception("broadcast to one socket failed")
                logger.info("pushed notification %s to %d local sockets", message.get("payload", {}).get("id"), len(members))


    async def _recover_after_reconnects(self, layer) -> None:
        """Each time the layer's RabbitMQ connection is replaced by a new one, every local socket recovers.
        (`carehare_connection` resolves once the new connection's queue and bindings are declared.)"""
        try:
            connection = await layer.carehare_connection
            while True:
                try:
                    await connection.closed
                except Exception:  # noqa: BLE001 - closed by an error; the layer reconnects either way
                    pass
                replaced = await layer.carehare_connection
                while replaced is connection:  # the layer has not yet noticed the close
                    await asyncio.sleep(RECONNECT_POLL_SECONDS)
                    replaced = await layer.carehare_connection
                connection = replaced
                logger.info("channel layer reconnected: %d local sockets recover from history", len(self.members))
                await asyncio.gather(*(consumer.recover() for consumer in list(self.members)), return_exceptions=True)
        except (StopConsumer, asyncio.CancelledError):
            return  # the layer is shutting down


_nodes: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, NodeBroadcast]" = weakref.WeakKeyDictionary()


def node_broadcast() -> NodeBroadcast:
    """This process's broadcast receiver (one per event loop: daphne has one, tests start several)."""
    loop = asyncio.get_running_loop()
    if loop not in _nodes:
        _nodes[loop] = NodeBroadcast()
    return _nodes[loop]
