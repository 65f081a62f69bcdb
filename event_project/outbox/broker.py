"""Publishing to RabbitMQ with publisher confirms, persistent delivery and the shared topology.

A batch is published back to back and its confirms are awaited together: a quorum queue confirms
after its log is on disk, about 4 ms here, so waiting for each confirm before the next publish
capped the relay near 250 messages/s (docs/performance.md, finding 32). aio-pika has no
blocking API, so the publisher keeps a private event loop and runs it only inside its calls; the
relay stays a plain loop around a MongoDB change stream.
"""

import asyncio
import logging
from collections.abc import Sequence

import aio_pika
import aiormq
from eventhub_common.broker_failover import connect_in_turn
from eventhub_common.messages import CONTENT_TYPE, encode_message
from eventhub_common.topology import Topology, broker_urls, declare_topology_async

logger = logging.getLogger(__name__)

# Everything that means "the broker is not there right now"; the relay backs off and retries.
# ChannelInvalidStateError (a publish on a channel the broker closed) is a RuntimeError, not an AMQPError:
# without it the relay exited when the broker went away mid-publish.
BROKER_ERRORS = (
    aio_pika.exceptions.AMQPException, aiormq.exceptions.AMQPError, aiormq.exceptions.ChannelInvalidStateError, OSError, asyncio.TimeoutError
)


class ConfirmingPublisher:
    """One connection and channel in confirm mode; `publish_batch` returns once the broker answered for each.

    `urls` are the broker's addresses (a cluster's nodes; one URL, a comma-separated string or a list). A
    connection goes to the first that answers, in turn; after a lost connection the next address is tried
    first, so a stopped node costs one refused attempt, not a wait for it to return.
    """

    def __init__(self, urls: str | Sequence[str], topology: Topology, timeout: float = 10.0):
        self.urls = broker_urls(urls)
        self.topology = topology
        self.timeout = timeout
        self._loop = asyncio.new_event_loop()
        self._connection = None
        self._exchange = None
        self._address = 0  # the index in `urls` tried first by the next connect

    @property
    def connected(self) -> bool:
        return bool(self._connection and not self._connection.is_closed and self._exchange)

    def connect(self) -> None:
        if self.connected:
            return
        self.close()
        self._run(self._connect())
        logger.info("connected to RabbitMQ, exchange %s", self.topology.exchange)

    async def _connect(self) -> None:
        name = f"eventhub outbox relay ({self.topology.namespace})"
        self._connection, self._address = await connect_in_turn(self.urls, name, start=self._address, timeout=5)
        channel = await self._connection.channel(publisher_confirms=True)
        await declare_topology_async(channel, self.topology)
        self._exchange = await channel.get_exchange(self.topology.exchange, ensure=False)

    def publish_batch(self, messages: list[dict], traceparents: list[str] | None = None) -> tuple[list[int], BaseException | None]:
        """Publish the envelopes in order (each with its `traceparent` header, when given); return the indexes
        the broker confirmed and the first error, if any.

        Nothing unconfirmed counts as sent: on a nack, a timeout or a lost connection, the caller
        keeps those records pending and publishes them again.
        """
        outcomes = self._run(self._publish_all(messages, traceparents or [""] * len(messages)))
        confirmed = [index for index, outcome in enumerate(outcomes) if not isinstance(outcome, BaseException)]
        errors = [outcome for outcome in outcomes if isinstance(outcome, BaseException)]
        return confirmed, errors[0] if errors else None

    async def _publish_all(self, messages: list[dict], traceparents: list[str]) -> list:
        publishes = [
            self._exchange.publish(
                aio_pika.Message(
                    encode_message(message),
                    content_type=CONTENT_TYPE,
                    delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                    message_id=message["message_id"],
                    type=message["type"],
                    headers={"traceparent": traceparent} if traceparent else None,
                ),
                routing_key=message["type"],
                mandatory=False,
                timeout=self.timeout,
            )
            for message, traceparent in zip(messages, traceparents, strict=True)
        ]
        return await asyncio.gather(*publishes, return_exceptions=True)

    def keep_alive(self) -> None:
        """Let the connection answer heartbeats while idle (its loop runs only inside these calls)."""
        if self.connected:
            self._run(asyncio.sleep(0.01))

    def close(self) -> None:
        connection, self._connection, self._exchange = self._connection, None, None
        if connection is not None:  # lost or given up: the next connect starts with the next address
            self._address = (self._address + 1) % len(self.urls)
        if connection is not None and not connection.is_closed:
            try:
                self._run(connection.close())
            except BROKER_ERRORS:
                pass
        # A connection the broker dropped leaves its reader and writer tasks behind; end them here.
        leftovers = asyncio.all_tasks(self._loop)
        for task in leftovers:
            task.cancel()
        if leftovers:
            self._loop.run_until_complete(asyncio.gather(*leftovers, return_exceptions=True))

    def _run(self, awaitable):
        return self._loop.run_until_complete(asyncio.wait_for(awaitable, self.timeout + 5))
