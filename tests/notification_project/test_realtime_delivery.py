"""From RabbitMQ to WebSockets: recipients rules, exact payloads, idempotency, poison messages, recovery."""

import asyncio
import io

import pika
import pytest
from bson import ObjectId
from channels.db import database_sync_to_async
from django.core.management import CommandError
from eventhub_common.messages import encode_message

from .helpers import Person, connect, event_message, known, make_token, next_frame, notifications, quiet

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("worker")]


def new_event_id() -> str:
    return str(ObjectId())


async def subscribe(person: Person, event_id: str):
    from subscriptions.services import subscribe as subscribe_service

    await database_sync_to_async(subscribe_service)(person.id, event_id)


async def test_created_event_reaches_every_connected_user_with_the_exact_payload(broker, people):
    ann, ben, cat = people.values()
    sockets = [await connect(person) for person in (ann, ben, cat)]
    event_id = new_event_id()
    message = broker.publish(event_message("event.created", event_id, ann, title="Launch"))
    for socket in sockets:
        (payload,) = await notifications(socket, 1)
        notification_id = payload.pop("id")
        assert len(notification_id) == 24
        assert payload == {
            "type": "notification",
            "notification_type": "event.created",
            "event": {"id": event_id, "title": "Launch", "action": "created", "timestamp": message["occurred_at"]},
            "user": "ann",
        }
    for socket in sockets:
        await socket.disconnect()


async def test_update_reaches_subscribers_and_the_creator_but_not_others(broker, people):
    ann, ben, cat = people.values()
    event_id = new_event_id()
    broker.publish(event_message("event.created", event_id, ann))
    await known(event_id)
    await subscribe(ben, event_id)
    sockets = {person.username: await connect(person) for person in (ann, ben, cat)}

    broker.publish(event_message("event.updated", event_id, ann, title="Renamed"))
    for name in ("ann", "ben"):
        (payload,) = await notifications(sockets[name], 1)
        assert payload["notification_type"] == "event.updated"
        assert payload["event"]["action"] == "updated"
        assert payload["event"]["title"] == "Renamed"
    assert await quiet(sockets["cat"], timeout=1.0)

    broker.publish(event_message("event.deleted", event_id, ann, title="Renamed"))
    for name in ("ann", "ben"):
        (payload,) = await notifications(sockets[name], 1)
        assert payload["notification_type"] == "event.deleted"
    assert await quiet(sockets["cat"], timeout=1.0)
    for socket in sockets.values():
        await socket.disconnect()


async def test_a_creator_who_subscribes_with_two_tabs_gets_each_update_once_per_tab(broker, people):
    ann = people["ann"]
    event_id = new_event_id()
    broker.publish(event_message("event.created", event_id, ann))
    await known(event_id)
    tabs = [await connect(ann), await connect(ann)]
    for tab in tabs:
        tab_subscribes = {"action": "subscribe", "event_id": event_id}
        await tab.send_json_to(tab_subscribes)
        ack = await next_frame(tab)
        assert ack["type"] == "ack" and ack["action"] == "subscribe"

    broker.publish(event_message("event.updated", event_id, ann))
    for tab in tabs:
        await notifications(tab, 1)
        assert await quiet(tab, timeout=1.0)
        await tab.disconnect()


async def test_an_actor_other_than_the_creator_is_the_payload_user(broker, people):
    ann, ben = people["ann"], people["ben"]
    event_id = new_event_id()
    broker.publish(event_message("event.created", event_id, ann))
    await known(event_id)
    socket = await connect(ann)
    broker.publish(event_message("event.updated", event_id, ann, actor=ben))
    (payload,) = await notifications(socket, 1)
    assert payload["user"] == "ben"
    await socket.disconnect()


async def test_a_redelivered_message_creates_one_notification_and_one_push(broker, people):
    from notifications.models import Notification

    socket = await connect(people["cat"])
    message = event_message("event.created", new_event_id(), people["ann"])
    broker.publish(message)
    broker.publish(message)
    (payload,) = await notifications(socket, 1)
    assert await quiet(socket, timeout=1.5)
    count = await database_sync_to_async(Notification.objects.filter(message_id=message["message_id"]).count)()
    assert count == 1
    await socket.disconnect()


async def test_a_poison_message_is_dead_lettered_with_its_reason_and_the_worker_goes_on(broker, people):
    socket = await connect(people["ben"])
    broker.publish_raw(b"{not json", message_id="poison-1")
    broker.publish_raw(b'{"type": "event.created", "version": 1}', message_id="poison-2")
    dead = await asyncio.to_thread(broker.dead_letters, 2)  # off the loop: the worker runs on it
    reasons = sorted(headers["x-eventhub-dead-letter-reason"] for headers, _ in dead)
    assert reasons[0].startswith("invalid message: (root)") or reasons[1].startswith("invalid message: (root)")
    assert any("not JSON" in reason for reason in reasons)
    assert {body for _, body in dead} == {b"{not json", b'{"type": "event.created", "version": 1}'}

    broker.publish(event_message("event.created", new_event_id(), people["ann"], title="After the poison"))
    (payload,) = await notifications(socket, 1)
    assert payload["event"]["title"] == "After the poison"
    await socket.disconnect()


async def test_a_message_that_keeps_failing_is_dead_lettered_after_the_delivery_limit(broker, people, monkeypatch):
    from notifications import worker as worker_module

    calls = []

    def always_fails(message):
        calls.append(message["message_id"])
        raise RuntimeError("database on fire")

    monkeypatch.setattr(worker_module, "store_notification", always_fails)
    monkeypatch.setattr(worker_module, "store_notifications", lambda messages: always_fails(messages[0]))
    message = broker.publish(event_message("event.created", new_event_id(), people["ann"]))
    ((headers, _),) = await asyncio.to_thread(broker.dead_letters, 1, 15)
    assert "processing failed 3 times" in headers["x-eventhub-dead-letter-reason"]
    assert "database on fire" in headers["x-eventhub-dead-letter-reason"]
    assert calls == [message["message_id"]] * 6  # each delivery: the batch, then the message on its own


async def test_reconnecting_with_since_replays_missed_notifications_in_order_then_live(broker, people, monkeypatch):
    from realtime.consumers import NotificationConsumer

    monkeypatch.setattr(NotificationConsumer, "replay_batch", 2)  # the replay pages through the history
    ann, ben = people["ann"], people["ben"]
    socket = await connect(ben)
    broker.publish(event_message("event.created", new_event_id(), ann, title="seen"))
    (seen,) = await notifications(socket, 1)
    await socket.disconnect()

    missed = [f"missed {n}" for n in range(5)]
    for title in missed:
        broker.publish(event_message("event.created", new_event_id(), ann, title=title))
    await asyncio.sleep(1.5)  # stored while Ben was away

    socket = await connect(ben, since=seen["id"])
    replayed = await notifications(socket, len(missed))
    assert [payload["event"]["title"] for payload in replayed] == missed
    assert await next_frame(socket) == {"type": "recovered", "complete": True}
    broker.publish(event_message("event.created", new_event_id(), ann, title="live"))
    (live,) = await notifications(socket, 1)
    assert live["event"]["title"] == "live"
    assert await quiet(socket, timeout=1.0)
    await socket.disconnect()


async def test_since_with_an_unknown_id_reports_an_error_and_stays_open(people):
    socket = await connect(people["ann"], since="0" * 24)
    frame = await next_frame(socket)
    assert frame == {"type": "error", "code": "invalid_since", "message": "Unknown notification id in 'since'."}
    assert await next_frame(socket) == {"type": "recovered", "complete": False}  # the client reloads history
    await socket.send_json_to({"action": "ping"})
    assert await next_frame(socket) == {"type": "pong"}
    await socket.disconnect()


async def test_a_push_skips_channels_per_message_database_cleanup(broker, people, monkeypatch):
    """Channels runs close_old_connections in a thread before each handler; pushes touch no database."""
    import channels.consumer

    calls = []
    original = channels.consumer.aclose_old_connections

    async def counting():
        calls.append(1)
        await original()

    monkeypatch.setattr(channels.consumer, "aclose_old_connections", counting)
    socket = await connect(people["ann"])
    before = len(calls)
    broker.publish(event_message("event.created", new_event_id(), people["ben"]))
    (payload,) = await notifications(socket, 1)
    assert payload["notification_type"] == "event.created"
    assert len(calls) == before
    await socket.send_json_to({"action": "ping"})
    assert (await next_frame(socket))["type"] == "pong"
    assert len(calls) == before + 1  # client messages still get it
    await socket.disconnect()


def stored_count(message_id: str) -> int:
    from notifications.models import Notification

    return Notification.objects.filter(message_id=message_id).count()


async def test_dead_letters_are_listed_with_their_reasons_and_a_replay_stores_each_once(broker, topology, people, monkeypatch):
    from django.core.management import call_command

    from notifications import worker as worker_module

    def dead_letters(*args) -> str:
        output = io.StringIO()
        call_command("dead_letters", *args, stdout=output)
        return output.getvalue()

    def fails(message):
        raise RuntimeError("a bug, since fixed")

    monkeypatch.setenv("BROKER_NAMESPACE", topology.namespace)
    monkeypatch.setenv("BROKER_DELIVERY_LIMIT", str(topology.delivery_limit))

    with monkeypatch.context() as patched:
        patched.setattr(worker_module, "store_notification", fails)
        patched.setattr(worker_module, "store_notifications", lambda messages: fails(messages[0]))
        message = broker.publish(event_message("event.created", new_event_id(), people["ann"], title="Replayed"))
        deadline = asyncio.get_running_loop().time() + 15
        while message["message_id"] not in (listing := await asyncio.to_thread(dead_letters)):
            assert asyncio.get_running_loop().time() < deadline, listing
            await asyncio.sleep(0.2)
    listing = await asyncio.to_thread(dead_letters)
    line = next(line for line in listing.splitlines() if line.startswith(message["message_id"]))
    assert line.split("\t")[1:] == ["event.created", "processing failed 3 times: RuntimeError: a bug, since fixed"]
    assert await asyncio.to_thread(dead_letters) == listing  # a look leaves them where they were

    assert "1 replayed" in await asyncio.to_thread(dead_letters, "--replay", message["message_id"])
    for _ in range(100):
        if await database_sync_to_async(stored_count)(message["message_id"]):
            break
        await asyncio.sleep(0.1)
    assert message["message_id"] not in await asyncio.to_thread(dead_letters)
    # The same message dead-lettered again (say, replayed from a copy) is a duplicate: still one notification.
    broker.channel.basic_publish(
        topology.dead_letter_exchange, "", encode_message(message), pika.BasicProperties(message_id=message["message_id"])
    )
    await asyncio.to_thread(dead_letters, "--replay", message["message_id"])
    await asyncio.sleep(1)
    assert await database_sync_to_async(stored_count)(message["message_id"]) == 1
    with pytest.raises(CommandError, match="not in the dead-letter queue"):
        await asyncio.to_thread(dead_letters, "--replay", "no-such-message")


async def test_a_redelivered_message_whose_push_was_lost_is_pushed_again(broker, people):
    """A consumer killed between its commit and its push: the redelivery stores nothing new but pushes the
    stored notification (found in a full run: one notification never reached an open socket)."""
    from notifications.models import Notification
    from notifications.processing import store_notification

    socket = await connect(people["cat"])
    message = event_message("event.created", new_event_id(), people["ann"], title="stored, never pushed")
    await database_sync_to_async(store_notification)(message)  # what the killed consumer committed
    assert await quiet(socket, timeout=0.3)
    broker.publish(message)  # the broker redelivers it to the next consumer
    (payload,) = await notifications(socket, 1)
    assert payload["event"]["title"] == "stored, never pushed"
    assert await quiet(socket, timeout=1.0)
    count = await database_sync_to_async(Notification.objects.filter(message_id=message["message_id"]).count)()
    assert count == 1
    await socket.disconnect()


async def test_a_transaction_a_killed_consumer_left_open_delays_messages_but_never_dead_letters_them(broker, people):
    """Found by a full run: a consumer killed inside its transaction leaves it open on the server, holding
    the notification counter until the server expires it (60 s on mongod). The next consumer's
    transactions conflicted past their retries and each message was nacked, counting toward the delivery
    limit: valid messages went to the dead letters. Such a conflict is held like an unavailable database."""
    import os

    import pymongo
    from django.db import connection

    from notifications.models import Notification, Sequence
    from notifications.processing import NOTIFICATION_SEQUENCE

    socket = await connect(people["cat"])
    holder = pymongo.MongoClient(os.environ["MONGODB_URI"])
    session = holder.start_session()
    session.start_transaction()
    counters = holder[connection.settings_dict["NAME"]][Sequence._meta.db_table]
    counters.update_one({"name": NOTIFICATION_SEQUENCE}, {"$inc": {"value": 1}}, upsert=True, session=session)
    try:
        message = broker.publish(event_message("event.created", new_event_id(), people["ann"], title="held"))
        await asyncio.sleep(8)  # long enough for three deliveries (the test topology's delivery limit) before the fix
        stored = database_sync_to_async(Notification.objects.filter(message_id=message["message_id"]).count)
        assert await stored() == 0
    finally:
        session.abort_transaction()  # as the server does when the dead client's transaction expires
        session.end_session()
        holder.close()
    (payload,) = await notifications(socket, 1, timeout=15)
    assert payload["event"]["title"] == "held" and await stored() == 1
    assert broker.dead_letters(1, timeout=1.0) == []
    await socket.disconnect()
