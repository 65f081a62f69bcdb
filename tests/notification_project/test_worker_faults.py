"""The consumer survives its dependencies (issue 18). The broker: a connection lost while a message is in
hand costs a redelivery, never the worker (the broker really drops the worker's connection, `rabbitmqctl
close_connection`). The database: while it does not answer (the embedded server stopped with SIGSTOP),
messages are held and tried again, never counted as failed deliveries nor dead-lettered."""

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
from manage_scripts.embedded_mongo import server_process, stalled

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


def fault_topology(name: str, delivery_limit: int) -> Topology:
    return Topology(namespace=f"{os.environ.get('BROKER_NAMESPACE', 'eventhub-test')}-{name}-{uuid.uuid4().hex[:8]}", delivery_limit=delivery_limit)


def stored_count(message_id: str) -> int:
    from notifications.models import Notification

    return Notification.objects.filter(message_id=message_id).count()


async def test_a_connection_lost_while_a_message_is_stored_costs_a_redelivery_not_the_worker(monkeypatch):
    from channels.layers import get_channel_layer

    from notifications import worker as worker_module

    topology = fault_topology("fault", delivery_limit=3)
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


async def test_a_stalled_database_holds_the_message_without_counting_it_as_a_failed_delivery(settings):
    from channels.layers import get_channel_layer

    from notifications.worker import EventConsumerWorker

    server = server_process(os.environ["MONGODB_URI"])
    if server is None:
        pytest.skip("MONGODB_URI is not the test command's embedded server")
    # The worker shares the thread of Channels' database work with this process's WebSocket node (in the
    # tests, not in production): the node's checks during the stall must be bounded too, to a short deadline.
    settings.DATABASE_REQUEST_TIMEOUT_SECONDS = 0.5
    topology = fault_topology("stall", delivery_limit=2)  # two counted failures would dead-letter it
    broker = Broker(topology)
    worker = EventConsumerWorker(
        amqp_url_from_env(), topology, prefetch=20, layer=get_channel_layer(), database_timeout=0.5, retry_max_seconds=0.2
    )
    task = asyncio.create_task(worker.run())
    try:
        with stalled(server):
            message = broker.publish(event_message("event.created", str(ObjectId()), Person("bo"), title="held"))
            held_until = time.monotonic() + 10  # at least two 0.5 s deadlines; a loaded machine may start the worker late
            while worker.database_retries < 2 and not task.done() and time.monotonic() < held_until:
                await asyncio.sleep(0.1)
            assert not task.done(), f"the worker stopped: {task.exception()!r}"
            assert worker.database_retries >= 2
        resumed = time.monotonic()
        while not (await database_sync_to_async(stored_count)(message["message_id"])):
            assert time.monotonic() < resumed + 10, "nothing was stored after the database came back"
            await asyncio.sleep(0.05)
        print(f"stored {time.monotonic() - resumed:.2f} s after the database came back")
        await asyncio.sleep(0.5)
        assert await database_sync_to_async(stored_count)(message["message_id"]) == 1
        assert (worker.processed, worker.dead_lettered) == (1, 0)
        assert await asyncio.to_thread(broker.dead_letters, 1, 0.5) == []
    finally:
        worker.stop()
        await asyncio.wait_for(task, timeout=15)
        broker.close()


def test_the_session_journal_names_the_open_transaction_and_a_successor_aborts_it(tmp_path, monkeypatch):
    """A consumer killed inside its transaction leaves it open on the server; the next one reads the dead
    one's journal (CONSUMER_SESSION_FILE) and kills that session, so its own transactions do not conflict
    with it until the server expires it."""
    import pymongo
    from django.db import connection
    from eventhub_common import mongo_transactions
    from eventhub_common.mongo_transactions import SessionJournal, keep_session_journal, transactional

    from notifications.models import Sequence
    from notifications.processing import NOTIFICATION_SEQUENCE, next_seq

    path = tmp_path / "consumer.session"
    monkeypatch.setattr(mongo_transactions, "_journal", None)
    journal = keep_session_journal(str(path))
    seen = []

    @transactional
    def take_a_number():
        seen.append(path.read_text())
        return next_seq()

    take_a_number()
    assert len(seen) == 1 and len(seen[0]) == 32  # the open transaction's session id, while it was open
    assert path.read_text() == ""  # closed with the commit

    # What a killed consumer leaves: an open transaction holding the counter, and its journal naming it.
    dead = pymongo.MongoClient(os.environ["MONGODB_URI"])
    session = dead.start_session()
    session.start_transaction()
    counters = dead[connection.settings_dict["NAME"]][Sequence._meta.db_table]
    counters.update_one({"name": NOTIFICATION_SEQUENCE}, {"$inc": {"value": 1}}, upsert=True, session=session)
    path.write_text(bytes(session.session_id["id"]).hex())
    try:
        assert SessionJournal(str(path)).abort_left_open(connection)
        assert take_a_number() > 0  # no conflict: the dead transaction is gone
        assert path.read_text() == "" and not journal.abort_left_open(connection)
    finally:
        dead.close()
