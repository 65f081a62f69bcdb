"""The consumer survives the broker: a connection lost while a message is in hand costs a redelivery,
never the worker (issue 18). The broker really drops the worker's connection (`rabbitmqctl close_connection`)."""

import asyncio
import os
import subprocess
import threading
import time
import uuid

import pytest
from bson import ObjectId
from channels.db import database_sync_to_async
from eventhub_common.topology import Topology, amqp_url_from_env

from .helpers import Broker, Person, event_message

pytestmark = pytest.mark.django_db(transaction=True)


def close_connections_mentioning(text: str) -> int:
    """Close, from the broker's side, every connection whose client properties mention `text`."""
    listed = subprocess.run(
        ["rabbitmqctl", "-q", "list_connections", "--no-table-headers", "pid", "client_properties"],
        capture_output=True, text=True, timeout=60, check=True,
    ).stdout
    pids = [line.split("\t")[0] for line in listed.splitlines() if text in line]
    for pid in pids:
        subprocess.run(["rabbitmqctl", "-q", "close_connection", pid, "test: the broker drops the consumer"], timeout=60, check=True)
    return len(pids)


def stored_count(message_id: str) -> int:
    from notifications.models import Notification

    return Notification.objects.filter(message_id=message_id).count()


async def test_a_connection_lost_while_a_message_is_stored_costs_a_redelivery_not_the_worker(monkeypatch):
    from channels.layers import get_channel_layer

    from notifications import worker as worker_module

    topology = Topology(namespace=f"{os.environ.get('BROKER_NAMESPACE', 'eventhub-test')}-fault-{uuid.uuid4().hex[:8]}", delivery_limit=3)
    broker = Broker(topology)
    in_hand, release = threading.Event(), threading.Event()
    store = worker_module.store_notifications

    def store_slowly_the_first_time(envelopes):
        if not in_hand.is_set():
            in_hand.set()
            release.wait(30)  # the broker drops the connection meanwhile; then the store commits
        return store(envelopes)

    monkeypatch.setattr(worker_module, "store_notifications", store_slowly_the_first_time)
    worker = worker_module.EventConsumerWorker(amqp_url_from_env(), topology, prefetch=20, layer=get_channel_layer())
    task = asyncio.create_task(worker.run())
    ann = Person("ann")
    try:
        first = broker.publish(event_message("event.created", str(ObjectId()), ann, title="in hand"))
        assert await asyncio.to_thread(in_hand.wait, 20)
        assert await asyncio.to_thread(close_connections_mentioning, topology.namespace) == 1
        release.set()
        second = broker.publish(event_message("event.created", str(ObjectId()), ann, title="after"))
        deadline = time.monotonic() + 30
        while not (await database_sync_to_async(stored_count)(second["message_id"])):
            assert not task.done(), f"the worker stopped: {task.exception()!r}"
            assert time.monotonic() < deadline, "nothing was stored after the reconnect"
            await asyncio.sleep(0.1)
        await asyncio.sleep(0.5)  # any further redelivery of the first one lands by now
        assert not task.done()
        assert worker.settle_lost == 1  # the first one's ack went to the dead channel
        assert await database_sync_to_async(stored_count)(first["message_id"]) == 1  # redelivered, stored once
        assert worker.processed == 2  # the redelivered first and the second, each acked on the new channel
    finally:
        release.set()
        worker.stop()
        await asyncio.wait_for(task, timeout=15)
        broker.close()
