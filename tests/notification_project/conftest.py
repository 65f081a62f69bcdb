"""Fixtures for the notification service: tokens, a private broker topology, the real worker, WebSockets.

Everything runs in one asyncio loop for the session (the RabbitMQ channel layer
is bound to the loop that created it); the consumer worker runs as a task in
that loop against the real RabbitMQ, storing into the real MongoDB test database.
"""

import asyncio
import os
import uuid

import pytest
from eventhub_common.topology import Topology, amqp_url_from_env

from .helpers import Broker, Person


@pytest.fixture(autouse=True)
def node_numbers_anew():
    """Each test starts with an empty database, whose notification numbers start again at 1: a process's
    node receiver reads the next one again at its next join."""
    yield
    from realtime.node import _nodes

    for node in list(_nodes.values()):
        node.forget_numbers()


@pytest.fixture
def people():
    return {name: Person(name) for name in ("ann", "ben", "cat")}


@pytest.fixture(scope="session")
def topology():
    return Topology(namespace=f"{os.environ.get('BROKER_NAMESPACE', 'eventhub-test')}-nt-{uuid.uuid4().hex[:8]}", delivery_limit=3)


@pytest.fixture(scope="session")
def broker(topology):
    broker = Broker(topology)
    yield broker
    broker.close()


@pytest.fixture(scope="session")
async def worker(topology, broker):
    from channels.layers import get_channel_layer

    from notifications.worker import EventConsumerWorker

    running = EventConsumerWorker(amqp_url_from_env(), topology, prefetch=20, layer=get_channel_layer())
    task = asyncio.create_task(running.run())
    yield running
    running.stop()
    await asyncio.wait_for(task, timeout=10)
