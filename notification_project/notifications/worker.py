"""The consumer worker: event messages from RabbitMQ to stored notifications to WebSockets.

One asyncio loop holds the AMQP consumer (aio-pika, which reconnects with
backoff on its own) and the channel layer. Each message is handled to the end
before the next: validate, store (in a thread, Django's ORM is synchronous),
push, ack. Manual acks with a bounded prefetch; a message is acked only after
its notification is stored, so a crash means redelivery, which the unique
`message_id` turns into a no-op.

Poison messages: one that fails validation goes straight to the dead-letter
exchange with the reason in its headers; one whose processing fails is retried
until its delivery count reaches BROKER_DELIVERY_LIMIT, then dead-lettered the
same way. The worker keeps going either way.
"""

import asyncio
import logging

import aio_pika
from asgiref.sync import sync_to_async
from eventhub_common.messages import InvalidMessage, decode_message
from eventhub_common.topology import Topology, declarations

from realtime.push import push_notification

from .processing import store_notification

logger = logging.getLogger(__name__)

REASON_HEADER = "x-eventhub-dead-letter-reason"


async def declare(channel: aio_pika.abc.AbstractChannel, topology: Topology) -> aio_pika.abc.AbstractQueue:
    exchanges, queues, bindings = declarations(topology)
    for exchange in exchanges:
        await channel.declare_exchange(exchange.name, exchange.type, durable=True)
    declared = {}
    for queue in queues:
        declared[queue.name] = await channel.declare_queue(queue.name, durable=True, arguments=queue.arguments)
    for binding in bindings:
        await declared[binding.queue].bind(binding.exchange, routing_key=binding.routing_key)
    return declared[topology.notification_queue]


class EventConsumerWorker:
    def __init__(self, url: str, topology: Topology, prefetch: int, layer):
        self.url = url
        self.topology = topology
        self.prefetch = prefetch
        self.layer = layer
        self.stopping = asyncio.Event()
        self.processed = 0
        self.dead_lettered = 0

    async def run(self) -> None:
        connection = await aio_pika.connect_robust(self.url, client_properties={"connection_name": "eventhub consumer"})
        async with connection:
            channel = await connection.channel()
            await channel.set_qos(prefetch_count=self.prefetch)
            queue = await declare(channel, self.topology)
            self.dead_letters = await channel.get_exchange(self.topology.dead_letter_exchange)
            logger.info("consuming %s (prefetch %d)", queue.name, self.prefetch)
            async with queue.iterator() as messages:
                stop = asyncio.create_task(self.stopping.wait())
                while not self.stopping.is_set():
                    next_message = asyncio.create_task(anext(messages))
                    done, _ = await asyncio.wait({next_message, stop}, return_when=asyncio.FIRST_COMPLETED)
                    if next_message not in done:
                        next_message.cancel()
                        break
                    await self.handle(next_message.result())
        logger.info("worker stopped: %d processed, %d dead-lettered", self.processed, self.dead_lettered)

    def stop(self) -> None:
        self.stopping.set()

    async def handle(self, message: aio_pika.abc.AbstractIncomingMessage) -> None:
        try:
            envelope = decode_message(message.body)
        except InvalidMessage as exc:
            await self.dead_letter(message, f"invalid message: {exc.reason}")
            return
        try:
            stored = await sync_to_async(store_notification, thread_sensitive=True)(envelope)
        except Exception as exc:  # noqa: BLE001 - any failure is retried, then dead-lettered
            deliveries = int((message.headers or {}).get("x-delivery-count", 0)) + 1
            if deliveries >= self.topology.delivery_limit:
                await self.dead_letter(message, f"processing failed {deliveries} times: {exc.__class__.__name__}: {exc}")
            else:
                logger.warning("processing %s failed (attempt %d): %s", message.message_id, deliveries, exc)
                await message.nack(requeue=True)
            return
        if stored.notification is not None:
            await push_notification(self.layer, stored.notification, envelope["data"]["created_by"]["id"])
        await message.ack()
        self.processed += 1

    async def dead_letter(self, message: aio_pika.abc.AbstractIncomingMessage, reason: str) -> None:
        logger.error("dead-lettering message %s: %s", message.message_id, reason)
        headers = {**(message.headers or {}), REASON_HEADER: reason[:1000], "x-original-routing-key": message.routing_key}
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
        await message.ack()
        self.dead_lettered += 1
