"""One receiver per WebSocket process: every notification, handed to the local sockets in number order.

Every socket is entitled to `event.created`. Through Channels alone each socket
would be its own member of the broadcast group: channels-rabbitmq copies the
message into one queue per socket and wakes each socket's task to dispatch it,
which cost the node ~0.16–0.24 ms of its one core per socket (5,000 sockets:
over a second per notification). Here one channel per process is in the
nodes group and receives every notification, broadcast or personal; its
receiver calls the handler of each local socket it is for (all of them, or the
recipients') directly.

In order, without gaps. Notification numbers follow commit order (`processing.next_seq`),
but with several consumers pushes can arrive out of it: consumer A commits #5, B
commits #6 and pushes first. A socket that got #6, dropped, and reconnected with
`since=#6` would never get #5. So the node hands notifications over strictly
by number: one that arrives early waits for the missing ones; when they are
still missing after WEBSOCKET_GAP_WAIT_SECONDS (a consumer died between its
commit and its push, or the layer dropped the push) they are read from history,
where they are, since a later number is committed only after them. A client's
last notification is then a complete cursor for `?since=`.

The same reading from history recovers pushes lost to a broker outage. The channel
layer is at most once: while its connection to RabbitMQ is down (and until it has
re-declared its queue and bindings) pushes to this process are dropped. When the
layer's connection comes back, the node reads from history everything after the
last number it handed over.
"""

import asyncio
import json
import logging
import time
import weakref
from datetime import datetime

from channels.exceptions import StopConsumer
from channels.layers import get_channel_layer
from django.conf import settings
from eventhub_common.metrics import DELIVERY_SECONDS, NOTIFICATIONS_PUSHED
from eventhub_common.tracing import continued

from notifications import selectors

from .database import in_database
from .groups import NODES_GROUP
from .push import push_message

logger = logging.getLogger(__name__)
RECONNECT_POLL_SECONDS = 0.05
MAX_EARLY = 10_000  # notifications held for a missing one at most; beyond, the node skips the gap (logged)


class Node:
    """The sockets of this process and the task that receives every notification for them."""

    def __init__(self):
        # Weak: a consumer whose connect failed before `disconnect` could run must not linger here.
        self.members: weakref.WeakSet = weakref.WeakSet()
        self.by_user: dict[str, weakref.WeakSet] = {}
        self.next_seq: int | None = None  # the number handed over next
        self.early: dict[int, dict] = {}  # arrived before a lower number
        self._lock = asyncio.Lock()
        self._order = asyncio.Lock()
        self._task: asyncio.Task | None = None
        self._watch: asyncio.Task | None = None
        self._gap: asyncio.Task | None = None
        self._silence: asyncio.Task | None = None

    async def join(self, consumer) -> None:
        self.members.add(consumer)
        self.by_user.setdefault(consumer.user_id, weakref.WeakSet()).add(consumer)
        async with self._lock:
            starting = self._task is None or self._task.done()
            if starting:
                layer = get_channel_layer()
                channel = await layer.new_channel("node.")
                await layer.group_add(NODES_GROUP, channel)
                self.forget_numbers()
            if self.next_seq is None:
                # Everything numbered up to here was committed before this node listened: a socket's own
                # `since` replay has it; pushes of it still on their way are dropped as old.
                self.next_seq = await in_database(selectors.latest_seq)() + 1
            if starting:
                self._task = asyncio.create_task(self._receive(layer, channel), name="node-receive")
            if self._watch is None or self._watch.done():
                self._watch = asyncio.create_task(self._recover_after_reconnects(get_channel_layer()), name="layer-watch")
            if self._silence is None or self._silence.done():
                self._silence = asyncio.create_task(self._watch_for_silence(get_channel_layer()), name="silence-watch")

    def leave(self, consumer) -> None:
        self.members.discard(consumer)
        sockets = self.by_user.get(getattr(consumer, "user_id", None))
        if sockets is not None:
            sockets.discard(consumer)
            if not sockets:
                del self.by_user[consumer.user_id]

    async def _receive(self, layer, channel: str) -> None:
        while True:
            try:
                message = await layer.receive(channel)
            except (StopConsumer, asyncio.CancelledError):
                return  # the layer is shutting down
            except Exception:  # noqa: BLE001 - keep receiving; the history has what a push misses
                logger.exception("node receive failed; retrying")
                await asyncio.sleep(0.5)
                continue
            await self.arrived(message)

    async def arrived(self, message: dict) -> None:
        """Hand the notification over if it is the next number, with those that waited for it; hold it if it
        is early. (Serialized: the receiver and a gap being filled from history both call this.)"""
        async with self._order:
            seq = message["seq"]
            if self.next_seq is None or seq < self.next_seq:
                return  # handed over already (from history, or a consumer pushing a redelivered message again)
            self.early[seq] = message
            if self.next_seq not in self.early:
                if len(self.early) > MAX_EARLY:
                    logger.error("%d notifications wait for #%d; handing them over without it", len(self.early), self.next_seq)
                    self.next_seq = min(self.early)
                else:
                    if self._gap is None or self._gap.done():
                        self._gap = asyncio.create_task(self._fill_gap_after_wait(), name="node-gap")
                    return
            served: dict = {}  # (ordered, once each)
            while self.next_seq in self.early:
                current = self.early.pop(self.next_seq)
                self.next_seq += 1
                served.update(dict.fromkeys(await self._hand_over(current)))
            await self._send_due_counts(served)

    async def _hand_over(self, message: dict) -> list:
        """Push the notification to the local sockets it is for (serialized once for all of them); those sockets."""
        recipients = message.get("recipients")
        if recipients is None:
            sockets = list(self.members)
        else:
            sockets = [socket for user_id in recipients for socket in self.by_user.get(user_id, ())]
        message["text"] = json.dumps(message["payload"], separators=(",", ":"))
        pushed = 0
        with continued(message.get("traceparent"), "websocket.push"):
            for consumer in sockets:
                try:
                    if await consumer.notification_message(message):
                        pushed += 1
                except Exception:  # noqa: BLE001 - one closed socket must not stop the others
                    logger.exception("push to one socket failed")
            logger.info("pushed notification %s to %d local sockets", message["payload"]["id"], pushed)
        record_pushed(message["payload"], pushed)
        return sockets

    @staticmethod
    async def _send_due_counts(sockets) -> None:
        """After the notifications of one hand-over reached every socket: each socket's new counts, once.
        (Sent in the same pass, the counts frames would make every later socket's notification wait for them.)"""
        for consumer in sockets:
            try:
                await consumer.send_counts_if_changed()
            except Exception:  # noqa: BLE001
                logger.exception("counts to one socket failed")

    def forget_numbers(self) -> None:
        """Read the next number from the database at the next join (tests: an emptied database numbers anew)."""
        self.next_seq = None
        self.early.clear()

    async def _fill_gap_after_wait(self) -> None:
        await asyncio.sleep(settings.WEBSOCKET_GAP_WAIT_SECONDS)
        while self.early and self.next_seq is not None and self.next_seq < min(self.early):
            logger.info("notifications #%d to #%d did not arrive; reading them from history", self.next_seq, min(self.early) - 1)
            if not await self.catch_up(until=min(self.early) - 1):
                await asyncio.sleep(settings.WEBSOCKET_GAP_WAIT_SECONDS)  # the database did not answer; again

    async def catch_up(self, until: int | None = None) -> bool:
        """Hand over from history what is missing after the last number handed over (up to `until`, else up
        to the newest), then what waited for it; whether the database answered."""
        try:
            missing = await in_database(selectors.numbered)(self.next_seq, until)
        except Exception:  # noqa: BLE001 - the database is away: the caller tries again
            logger.warning("could not read missing notifications from history", exc_info=True)
            return False
        for notification in missing:
            await self.arrived(push_message(notification))
        if until is not None and self.next_seq <= until and self.early:
            # Not in history: cannot happen while numbers are gap-free, so logged as an error.
            logger.error("notifications #%d to #%d are not in history; skipped", self.next_seq, until)
            self.next_seq = until + 1
            await self.arrived(self.early.pop(min(self.early)))
        return True

    async def _recover_after_reconnects(self, layer) -> None:
        """Each time the layer's RabbitMQ connection is replaced by a new one, the node reads from history what
        it may have missed. (`carehare_connection` resolves once the new connection's queue and bindings are
        declared.)"""
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
                logger.info("channel layer reconnected: reading from history after #%d", self.next_seq - 1)
                while not await self.catch_up():
                    await asyncio.sleep(settings.WEBSOCKET_GAP_WAIT_SECONDS)
        except (StopConsumer, asyncio.CancelledError):
            return  # the layer is shutting down

    async def _watch_for_silence(self, layer) -> None:
        """Pushes that stop with no error: once, a WebSocket process whose layer reconnected 40 ms after its
        RabbitMQ node was killed (before the cluster had dropped that node's queue) got no push again. Every
        WEBSOCKET_SILENCE_CHECK_SECONDS the node compares the newest stored number with the next it hands
        over; behind at two checks in a row with nothing handed over between them, it reads the rest from
        history and makes the layer connect again (its queue and bindings declared anew)."""
        stuck_at = None
        try:
            while True:
                await asyncio.sleep(settings.WEBSOCKET_SILENCE_CHECK_SECONDS)
                try:
                    latest = await in_database(selectors.latest_seq)()
                except Exception:  # noqa: BLE001 - the database is away; the next check tries again
                    continue
                if self.next_seq is None or latest < self.next_seq:
                    stuck_at = None
                elif stuck_at != self.next_seq:
                    stuck_at = self.next_seq  # behind now; a push may be on its way
                else:
                    logger.warning(
                        "no push for #%d to #%d in %g s: reading them from history and reconnecting the channel layer",
                        self.next_seq, latest, settings.WEBSOCKET_SILENCE_CHECK_SECONDS,
                    )
                    stuck_at = None
                    if await self.catch_up(until=latest) and hasattr(layer, "reconnect"):
                        layer.reconnect()
        except (StopConsumer, asyncio.CancelledError):
            return


_nodes: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Node]" = weakref.WeakKeyDictionary()


def record_pushed(payload: dict, sockets: int) -> None:
    """Metrics of one notification pushed to `sockets` sockets: the frames, and its delivery latency once, as
    of its last socket. (Observed per socket, the histogram's shared-memory writes were a fifth of the CPU of
    a fan-out.)"""
    if sockets:
        NOTIFICATIONS_PUSHED.inc(sockets)
        DELIVERY_SECONDS.observe(max(0.0, time.time() - _epoch(payload["event"]["timestamp"])))


def _epoch(timestamp: str) -> float:
    """Seconds since the epoch of a message's `occurred_at` (`2027-01-01T10:00:00.000Z`)."""
    return datetime.fromisoformat(timestamp.replace("Z", "+00:00")).timestamp()


def this_node() -> Node:
    """This process's receiver (one per event loop: daphne has one, tests start several)."""
    loop = asyncio.get_running_loop()
    if loop not in _nodes:
        _nodes[loop] = Node()
    return _nodes[loop]
