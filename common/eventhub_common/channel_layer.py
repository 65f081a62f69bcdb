"""The notification service's channel layer: channels-rabbitmq, failing over between a cluster's nodes.

channels-rabbitmq 4 connects through carehare, which takes one `amqp://` URL, and its layer keeps one
connection up in a reconnect loop (`RabbitmqChannelLayer._reconnect_forever`). That loop is replaced
here; everything else (the exclusive queue and its declaration, groups, sends, receives, the
`carehare_connection` future the node receiver watches to read lost pushes from history) is the
upstream layer's own. The loop here differs from channels-rabbitmq 4.0.1's in four ways, each found by
the cluster test (`tests/system/test_broker_cluster.py`) or needed for it:

- `host` may be several addresses (a list, or comma-separated): each attempt goes to the next one, so
  after a node stops the next attempt goes to another node (upstream retries its one address forever).
- An attempt (TCP connect, AMQP handshake, declaring the queue, binding its groups) is bounded by
  `attempt_timeout` (CONFIG key, default 10 s); upstream bounds only the TCP connect.
- Any failure of an attempt is retried. Upstream's loop ends on an error it does not list, and one it
  meets after a node is killed: a group binding failing while it reconnects makes
  `util.gather_without_leaking` hand the generator it has already consumed to `asyncio.wait`, whose
  TypeError ended the loop and left that WebSocket node deaf for good.
- A failed attempt's connection is closed. Upstream drops it open: after a failed binding it kept the
  exclusive queue, so every later attempt was refused (405 RESOURCE_LOCKED).

Why not the alternatives: a local TCP proxy in front of the nodes would be one more process on every
WebSocket node and in every deployment, with its own failure modes; a patch upstream does not help
the pinned release; another layer (channels_redis) would move the groups off RabbitMQ. Tests pin what
this relies on in channels-rabbitmq (`tests/common/test_broker_failover.py`).
"""

import asyncio
import logging
from collections.abc import Sequence

import carehare
from channels_rabbitmq.core import RabbitmqChannelLayer, ReconnectDelay, _setup_connection
from channels_rabbitmq.reader import consume_into_multi_queue_until_connection_close

from .topology import broker_urls, redacted

logger = logging.getLogger(__name__)


def abort(connection: carehare.Connection) -> None:
    """Close a carehare connection's socket at once, whatever state it is in (carehare has no public way to
    abandon an attempt). The reason is set first: carehare's `connection_lost` hands it to whatever
    still waits on the connection (the handshake, a declaration), which then fails instead of waiting."""
    protocol = getattr(connection, "_protocol", None)
    transport = getattr(protocol, "_transport", None)
    if transport is not None and not transport.is_closing():
        protocol._crash_exc = TimeoutError("connection attempt given up")
        transport.abort()
        for future in (getattr(protocol, "open", None), getattr(protocol, "closed", None)):
            if future is not None:  # nobody may wait on it any more: no "exception never retrieved"
                future.add_done_callback(lambda done: done.cancelled() or done.exception())


class FailoverRabbitmqChannelLayer(RabbitmqChannelLayer):
    """`RabbitmqChannelLayer` with several broker addresses tried in turn and bounded, retried attempts."""

    def __init__(self, host: str | Sequence[str] = "amqp://guest:guest@127.0.0.1/asgi", *, attempt_timeout: float = 10.0, **kwargs):
        super().__init__(host=host, **kwargs)
        self.hosts = broker_urls(host)
        self.attempt_timeout = attempt_timeout
        self._next_host = 0

    async def _reconnect_forever(self) -> None:
        """Keep `self._carehare_connection` connected until `close()` (replaces upstream's loop; see above)."""
        while not self._want_close:
            connection = await self._connect_in_turn()
            if connection is None:
                return  # closing
            self._carehare_connection.set_result(connection)
            try:
                await consume_into_multi_queue_until_connection_close(
                    connection=connection, channel=self._queue_name, multi_queue=self._multi_queue,
                    prefetch_count=self.local_capacity,
                )
                await connection.closed
            except Exception as exc:  # noqa: BLE001 - whatever ended it, connect again
                if not self._want_close:
                    logger.warning("channel layer disconnected from RabbitMQ (%s: %s); reconnecting", exc.__class__.__name__, exc)
            self._carehare_connection = asyncio.Future()
            abort(connection)

    async def _connect_in_turn(self) -> carehare.Connection | None:
        """A connection with the queue declared and the groups bound, at the next address that gives one;
        None once the layer is closing."""
        while not self._want_close:
            url = self.hosts[self._next_host]
            self._next_host = (self._next_host + 1) % len(self.hosts)
            connection = carehare.Connection(url=url, connect_timeout=self.connect_timeout, ssl=self.ssl_context)
            attempt = asyncio.ensure_future(self._open(connection))
            try:
                done, _ = await asyncio.wait({attempt}, timeout=self.attempt_timeout)
                if not done:
                    abort(connection)  # makes the step it waits in fail
                    done, _ = await asyncio.wait({attempt}, timeout=1.0)
            finally:
                if not attempt.done():  # no answer even so, or the layer is closing (cancelled)
                    attempt.cancel()
                    await asyncio.gather(attempt, return_exceptions=True)
                    abort(connection)
            error = attempt.exception() if done and not attempt.cancelled() else TimeoutError(f"no answer within {self.attempt_timeout:g} s")
            if error is None:
                logger.info("channel layer connected to RabbitMQ at %s", redacted(url))
                return connection
            abort(connection)
            if not self._want_close:
                logger.warning(
                    "channel layer: RabbitMQ at %s failed (%s: %s); trying %s in %g s",
                    redacted(url), error.__class__.__name__, error, redacted(self.hosts[self._next_host]), ReconnectDelay,
                )
                await asyncio.sleep(ReconnectDelay)
        return None

    async def _open(self, connection: carehare.Connection) -> None:
        await connection.connect()
        await _setup_connection(
            connection=connection, queue_name=self._queue_name, remote_capacity=self.remote_capacity,
            expiry=self.expiry, groups_exchange=self.groups_exchange,
        )
        # Every group this process's channels are in (upstream keeps them in its multi-queue), bound again.
        bindings = [
            connection.queue_bind(queue_name=self._queue_name, exchange_name=self.groups_exchange, routing_key=group)
            for group in list(self._multi_queue._local_groups)
        ]
        for outcome in await asyncio.gather(*bindings, return_exceptions=True):
            if isinstance(outcome, BaseException):
                raise outcome

    def reconnect(self) -> None:
        """Drop the current connection: the loop connects again and declares the queue and bindings anew
        (the node does this when pushes stopped with no error)."""
        if self._carehare_connection.done() and not self._carehare_connection.cancelled():
            if self._carehare_connection.exception() is None:
                abort(self._carehare_connection.result())

    async def close(self) -> None:
        """Upstream's, except that a layer not connected now stops trying at once (upstream waits for its
        loop, here up to an attempt's timeout)."""
        task = getattr(self, "_reconnect_forever_task", None)
        if task is not None and not self._want_close and not self._carehare_connection.done():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            del self._reconnect_forever_task
        await super().close()
