"""The consumer worker: event messages from RabbitMQ to stored notifications to WebSockets.

One asyncio loop holds the AMQP consumer (aio-pika, which reconnects with
backoff on its own) and the channel layer. The messages that have arrived
(up to `batch_size`, within the bounded prefetch) are handled together:
validate each, store them all in one transaction (in a thread, Django's ORM is
synchronous), then push each and ack each, in order. Manual acks: a message is
acked only after its notification is committed, so a crash means redelivery,
which the unique `message_id` turns into a no-op. A batch that fails to store
is handled again message by message, so one bad message costs only itself.

User messages (`user.deactivated`, `user.reactivated`, `user.deleted`) are handled one by one: the
user's access is revoked or restored (`access`), and a revocation closes their sockets on every node.

Transient is not poison. The database work of a message runs within CONSUMER_DATABASE_TIMEOUT_SECONDS
(`pymongo.timeout`). When MongoDB does not answer (a timeout, a lost connection), the worker holds the
messages and tries again with capped, jittered backoff (up to CONSUMER_RETRY_MAX_SECONDS between tries)
until it does: nothing is nacked, so an outage never counts toward the delivery limit. Poison messages:
one that fails validation goes straight to the dead-letter exchange with the reason in its headers; one
whose processing fails for another reason is retried until its delivery count reaches
BROKER_DELIVERY_LIMIT, then dead-lettered the same way (`manage.py dead_letters` lists and replays them).
The worker keeps going either way.

Broker outages: aio-pika's robust connection reconnects (every CONSUMER_RECONNECT_SECONDS, to the next
of the broker's addresses, a cluster's nodes, each time) and resumes consuming. An ack, nack or
dead-letter publish meant for a channel that died is dropped with a warning: the broker redelivers that
message on the new channel, and its stored copy makes it a no-op.
"""

import asyncio
import logging
import random

import aio_pika
import aiormq
from asgiref.sync import sync_to_async
from eventhub_common.broker_failover import connect_robust_in_turn
from eventhub_common.database_deadline import within_deadline
from eventhub_common.heartbeat import Heartbeat
from eventhub_common.messages import USER_MESSAGE_TYPES, InvalidMessage, decode_message
from eventhub_common.metrics import CONSUMER_MESSAGES, CONSUMER_RETRIES
from eventhub_common.mongo_transactions import is_database_unavailable, is_transient_conflict
from eventhub_common.topology import Topology, declare_topology_async
from eventhub_common.tracing import continued

from access.services import apply_user_change
from realtime.push import close_user_sockets, push_notification

from .processing import store_notification, store_notifications

logger = logging.getLogger(__name__)

REASON_HEADER = "x-eventhub-dead-letter-reason"

# The channel a message came on is gone (the broker restarted or dropped the connection). Its ack cannot
# be sent any more; the broker redelivers the message on the reconnected channel, and the stored copy's
# `message_id` turns that redelivery into a no-op.
CHANNEL_GONE = (aiormq.exceptions.ChannelInvalidStateError, aiormq.exceptions.AMQPError, ConnectionError)


FIRST_RETRY_SECONDS = 0.1  # the first wait after MongoDB did not answer; doubled up to the configured cap


class Stopping(Exception):
    """The worker was told to stop while waiting for the database: the message stays unsettled (redelivered)."""


def process(envelope: dict):
    """One message's effect in the database: its notification (`Stored`), or for `user.*` whether the
    user's access is now revoked."""
    if envelope["type"] in USER_MESSAGE_TYPES:
        return apply_user_change(envelope)
    return store_notification(envelope)


class EventConsumerWorker:
    def __init__(
        self,
        urls: str | list[str],  # the broker's addresses, tried in turn
        topology: Topology,
        prefetch: int,
        layer,
        batch_size: int = 50,
        reconnect_seconds: float = 1.0,
        database_timeout: float = 5.0,
        retry_max_seconds: float = 1.0,
    ):
        self.urls = urls
        self.topology = topology
        self.prefetch = prefetch
        self.batch_size = max(1, min(batch_size, prefetch))
        self.layer = layer
        self.reconnect_seconds = reconnect_seconds
        self.database_timeout = database_timeout
        self.retry_max_seconds = retry_max_seconds
        self.stopping = asyncio.Event()
        self.processed = 0
        self.dead_lettered = 0
        self.settle_lost = 0
        self.database_retries = 0
        self.heartbeat = Heartbeat.from_env()

    async def connect(self):
        """A robust connection (aio-pika reconnects it and its consumer, to the next of the broker's addresses
        each time: `broker_failover`); until one of them first answers, retry."""
        while True:
            try:
                return await connect_robust_in_turn(
                    self.urls, f"eventhub consumer ({self.topology.namespace})", reconnect_interval=self.reconnect_seconds
                )
            except (ConnectionError, OSError, aiormq.exceptions.AMQPError) as exc:
                logger.warning("RabbitMQ not reachable (%s: %s); retrying in %gs", exc.__class__.__name__, exc, self.reconnect_seconds)
                if await self._stopped_within(self.reconnect_seconds):
                    return None

    async def _stopped_within(self, seconds: float) -> bool:
        """Wait `seconds`, or less if the worker is told to stop; whether it was."""
        try:
            await asyncio.wait_for(self.stopping.wait(), seconds)
            return True
        except TimeoutError:
            return False

    async def in_database(self, func, *args):
        """`func(*args)` in the ORM's thread within the database deadline; while MongoDB does not answer, or a
        transaction keeps conflicting, tried again with backoff (the messages in hand stay unsettled). Raises
        `Stopping` if told to stop."""
        delay = FIRST_RETRY_SECONDS
        while True:
            try:
                return await sync_to_async(within_deadline, thread_sensitive=True)(self.database_timeout, func, *args)
            except Exception as exc:
                # Held, not failed: MongoDB did not answer, or a transaction kept conflicting past
                # `transactional`'s attempts (one a killed consumer left open holds its documents until the
                # server expires it: 60 s on mongod). Neither counts toward the delivery limit.
                reason = "database_unavailable" if is_database_unavailable(exc) else "conflict" if is_transient_conflict(exc) else None
                if reason is None:
                    raise
                self.database_retries += 1
                CONSUMER_RETRIES.labels(reason).inc()
                cause = exc.__cause__ or exc
                logger.warning("MongoDB %s (%s: %s); trying again in %.2fs", reason.replace("_", " "), cause.__class__.__name__, cause, delay)
            if await self._stopped_within(delay * random.uniform(0.5, 1.0)):
                raise Stopping
            delay = min(delay * 2, self.retry_max_seconds)

    async def run(self) -> None:
        beating = asyncio.create_task(self.beat_while_running())
        try:
            await self._consume()
        finally:
            beating.cancel()

    async def beat_while_running(self) -> None:
        """The container's liveness: the loop turns (a broker outage is not a reason to restart the worker)."""
        while True:
            self.heartbeat.beat()
            await asyncio.sleep(self.heartbeat.every)

    async def _consume(self) -> None:
        connection = await self.connect()
        if connection is None:
            return
        async with connection:
            channel = await connection.channel()
            await channel.set_qos(prefetch_count=self.prefetch)
            queue = (await declare_topology_async(channel, self.topology))[self.topology.notification_queue]
            self.dead_letters = await channel.get_exchange(self.topology.dead_letter_exchange)
            logger.info("consuming %s (prefetch %d, batches of up to %d)", queue.name, self.prefetch, self.batch_size)
            arrived: asyncio.Queue = asyncio.Queue()
            consumer_tag = await queue.consume(arrived.put)
            stop = asyncio.create_task(self.stopping.wait())
            while not self.stopping.is_set():
                first = asyncio.create_task(arrived.get())
                done, _ = await asyncio.wait({first, stop}, return_when=asyncio.FIRST_COMPLETED)
                if first not in done:
                    first.cancel()
                    break
                batch = [first.result()]
                while len(batch) < self.batch_size and not arrived.empty():
                    batch.append(arrived.get_nowait())
                await self.handle_batch(batch)
            try:
                await queue.cancel(consumer_tag)  # what is still unacked is redelivered
            except CHANNEL_GONE:
                pass  # the broker is gone: it redelivers everything unacked anyway
        logger.info("worker stopped: %d processed, %d dead-lettered", self.processed, self.dead_lettered)

    def stop(self) -> None:
        self.stopping.set()

    async def handle_batch(self, batch: list[aio_pika.abc.AbstractIncomingMessage]) -> None:
        valid = []
        for message in batch:
            try:
                envelope = decode_message(message.body)
            except InvalidMessage as exc:
                await self.dead_letter(message, f"invalid message: {exc.reason}")
                continue
            if envelope["type"] in USER_MESSAGE_TYPES:
                await self.handle(message, envelope)  # rare: on its own
            else:
                valid.append((message, envelope))
        if not valid:
            return
        try:
            results = await self.in_database(store_notifications, [envelope for _, envelope in valid])
        except Stopping:
            return
        except Exception as exc:  # noqa: BLE001 - each message is tried again on its own
            logger.warning("storing a batch of %d failed (%s: %s); one by one", len(valid), exc.__class__.__name__, exc)
            for message, envelope in valid:
                await self.handle(message, envelope)
            return
        for (message, envelope), stored in zip(valid, results, strict=True):
            await self.finish(message, envelope, stored)

    async def handle(self, message: aio_pika.abc.AbstractIncomingMessage, envelope: dict) -> None:
        try:
            outcome = await self.in_database(process, envelope)
        except Stopping:
            return
        except Exception as exc:  # noqa: BLE001 - any other failure is retried, then dead-lettered
            deliveries = int((message.headers or {}).get("x-delivery-count", 0)) + 1
            if deliveries >= self.topology.delivery_limit:
                await self.dead_letter(message, f"processing failed {deliveries} times: {exc.__class__.__name__}: {exc}")
            else:
                logger.warning("processing %s failed (attempt %d): %s", message.message_id, deliveries, exc)
                CONSUMER_RETRIES.labels("failed").inc()
                await self.settle(message, message.nack(requeue=True))
            return
        await self.finish(message, envelope, outcome)

    async def finish(self, message: aio_pika.abc.AbstractIncomingMessage, envelope: dict, outcome) -> None:
        """Push what was stored, or close a revoked user's sockets (after the commit), then ack; in the trace
        the message's `traceparent` header carries (`log_context`)."""
        with continued(_header(message, "traceparent"), "consumer.store", **{"messaging.message.id": envelope["message_id"]}):
            if envelope["type"] in USER_MESSAGE_TYPES:
                if outcome:
                    await close_user_sockets(self.layer, envelope["data"]["id"])
            else:
                if outcome.notification is not None:
                    await push_notification(self.layer, outcome.notification)
            if await self.settle(message, message.ack()):
                self.processed += 1
                duplicate = envelope["type"] not in USER_MESSAGE_TYPES and outcome.duplicate
                CONSUMER_MESSAGES.labels("duplicate" if duplicate else "stored").inc()
                logger.info(
                    "%s %s %s", "duplicate" if duplicate else "stored", envelope["type"], envelope["message_id"],
                    extra={"message_id": envelope["message_id"]},
                )

    async def settle(self, message: aio_pika.abc.AbstractIncomingMessage, outcome) -> bool:
        """Send an ack, nack or dead-letter; False when the message's channel is gone (it comes back)."""
        try:
            await outcome
            return True
        except CHANNEL_GONE as exc:
            self.settle_lost += 1
            logger.warning(
                "channel gone before settling %s (%s); the broker redelivers it", message.message_id, exc.__class__.__name__
            )
            return False

    async def dead_letter(self, message: aio_pika.abc.AbstractIncomingMessage, reason: str) -> None:
        logger.error("dead-lettering message %s: %s", message.message_id, reason)
        headers = {**(message.headers or {}), REASON_HEADER: reason[:1000], "x-original-routing-key": message.routing_key}
        if await self.settle(message, self._publish_dead_letter(message, headers)) and await self.settle(message, message.ack()):
            self.dead_lettered += 1
            CONSUMER_MESSAGES.labels("dead_lettered").inc()

    async def _publish_dead_letter(self, message: aio_pika.abc.AbstractIncomingMessage, headers: dict) -> None:
        await self.dead_letters.publish(
            aio_pika.Message(
                message.body,
                headers=headers,
                content_type=message.content_type,
                message_id=message.message_id,
                delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            ),
            routing_key="",
        )


def _header(message: aio_pika.abc.AbstractIncomingMessage, name: str) -> str | None:
    value = (message.headers or {}).get(name)
    return value.decode("latin-1") if isinstance(value, bytes) else value
