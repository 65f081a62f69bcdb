"""Reliable publishing: every event change reaches RabbitMQ once, in commit order, through outages and crashes."""

import os
import threading
import time
import uuid

import pytest
from eventhub_common.messages import validate_message
from eventhub_common.topology import amqp_url_from_env

from .broker_helpers import CLOSED_PORT_URL, QueueReader, RelayThread, private_topology
from .factories import event_payload, make_event

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def topology():
    return private_topology(os.environ.get("BROKER_NAMESPACE", "eventhub-test"))


@pytest.fixture
def reader(topology):
    reader = QueueReader(topology)
    yield reader
    reader.delete()


@pytest.fixture
def relays(topology):
    started = []

    def start(**kwargs) -> RelayThread:
        relay = RelayThread(topology, **kwargs).start()
        started.append(relay)
        return relay

    yield start
    for relay in started:
        relay.stop()


def pending_count() -> int:
    from outbox.models import OutboxMessage

    return OutboxMessage.objects.filter(status="pending").count()


def test_create_update_delete_each_publish_exactly_one_valid_message(auth_client, user, reader, relays):
    relays()
    created = auth_client.post("/api/events/", event_payload(title="Launch"), format="json").json()
    auth_client.patch(f"/api/events/{created['id']}/", {"title": "Launch party", "status": "canceled"}, format="json")
    auth_client.delete(f"/api/events/{created['id']}/")

    messages = reader.read(3)
    assert [key for key, _, _ in messages] == ["event.created", "event.updated", "event.deleted"]
    for routing_key, body, properties in messages:
        validate_message(body)
        assert body["type"] == routing_key
        assert properties.message_id == body["message_id"]
        assert properties.delivery_mode == 2
        assert body["actor"] == {"id": str(user.pk), "username": user.username}
        assert body["data"]["id"] == created["id"]
        assert body["data"]["created_by"] == {"id": str(user.pk), "username": user.username}
    created_body, updated_body, deleted_body = (body for _, body, _ in messages)
    assert created_body["data"]["title"] == "Launch"
    assert created_body["data"]["start_time"] == created["start_time"]
    assert updated_body["data"]["title"] == "Launch party"
    assert sorted(updated_body["data"]["changed_fields"]) == ["status", "title"]
    assert deleted_body["data"]["status"] == "canceled"
    assert len({body["message_id"] for _, body, _ in messages}) == 3
    reader.assert_empty()
    assert pending_count() == 0


def test_failed_requests_publish_nothing(auth_client, other_client, user, reader, relays):
    relays()
    event = make_event(user)
    reader.read(1)
    other_client.patch(f"/api/events/{event.pk}/", {"title": "hijack"}, format="json")
    auth_client.patch(f"/api/events/{event.pk}/", {"title": ""}, format="json")
    auth_client.post("/api/events/", event_payload(title=""), format="json")
    reader.assert_empty(wait=1.0)


def test_event_and_outbox_record_commit_or_roll_back_together(auth_client, monkeypatch):
    from events.models import Event
    from outbox import services as outbox_services

    def broken_enqueue(message):
        raise RuntimeError("outbox unavailable")

    monkeypatch.setattr("events.publishing.enqueue", broken_enqueue)
    response = auth_client.post("/api/events/", event_payload(title="Never stored"), format="json")
    assert response.status_code == 500
    assert not Event.objects.filter(title="Never stored").exists()
    assert outbox_services.backlog()["pending"] == 0


def test_concurrent_updates_arrive_in_commit_order(user, reader, relays):
    """Each update reads the title's counter and writes counter+1 in one transaction, so
    commit order is v1, v2, ... vN; the messages must say the same."""
    from core.db import transactional
    from events.models import Event
    from events.publishing import acting_as

    event = make_event(user, title="v0")
    event_id = event.pk

    @transactional(attempts=50)
    def bump():
        current = Event.objects.get(pk=event_id)
        current.title = f"v{int(current.title[1:]) + 1}"
        with acting_as(user):
            current.save(force_update=True)

    workers, per_worker = 4, 5
    threads = [threading.Thread(target=lambda: [bump() for _ in range(per_worker)]) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    total = workers * per_worker
    assert Event.objects.get(pk=event_id).title == f"v{total}"

    relays()
    messages = reader.read(1 + total, timeout=20)
    titles = [body["data"]["title"] for _, body, _ in messages]
    assert titles == [f"v{n}" for n in range(total + 1)]


def test_writes_succeed_while_the_broker_is_down_and_all_arrive_in_order_later(auth_client, reader, relays):
    relay = relays(url=CLOSED_PORT_URL)
    titles = [f"offline {n}" for n in range(5)]
    for title in titles:
        assert auth_client.post("/api/events/", event_payload(title=title), format="json").status_code == 201
    time.sleep(1.5)  # the relay keeps failing to connect meanwhile
    assert pending_count() == 5
    assert relay.error is None

    relay.relay.publisher.urls = [amqp_url_from_env()]  # the broker is back
    messages = reader.read(5, timeout=15)
    assert [body["data"]["title"] for _, body, _ in messages] == titles
    reader.assert_empty()


class SimulatedCrash(BaseException):
    """Stands in for the process dying: nothing after it runs."""


def test_crash_between_publish_and_mark_republishes_with_the_same_message_id(user, reader, relays, monkeypatch):
    from outbox.relay import OutboxRelay

    original_mark_sent = OutboxRelay._mark_sent

    def crash(self, ids):
        raise SimulatedCrash()

    monkeypatch.setattr(OutboxRelay, "_mark_sent", crash)
    crashed = relays()
    make_event(user, title="survivor")
    first = reader.read(1)
    crashed.thread.join(timeout=10)
    assert isinstance(crashed.error, SimulatedCrash)
    assert pending_count() == 1

    monkeypatch.setattr(OutboxRelay, "_mark_sent", original_mark_sent)
    from outbox.models import RelayLease

    RelayLease.objects.update(expires_at=None)  # the dead process's lease would expire on its own
    relays()
    second = reader.read(1)
    assert second[0][1]["message_id"] == first[0][1]["message_id"]
    assert second[0][1]["data"]["title"] == "survivor"
    reader.assert_empty()
    deadline = time.monotonic() + 5
    while pending_count() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert pending_count() == 0


def wait_for(condition, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)
    return condition()


def test_a_batch_is_marked_sent_only_where_the_broker_confirmed_it(user, reader, relays, topology):
    # A full queue that rejects publishes makes RabbitMQ nack every message routed to it (a real nack).
    full = f"{topology.namespace}.full"
    reader.channel.queue_declare(full, durable=True, arguments={"x-max-length": 1, "x-overflow": "reject-publish"})
    reader.channel.queue_bind(full, topology.exchange, routing_key="event.*")
    try:
        for n in range(3):
            make_event(user, title=f"batch {n}")
        relays()  # drains the three as one batch: the first fills the queue, the other two are refused
        assert wait_for(lambda: pending_count() == 2)
        time.sleep(1.0)  # retries are refused too; nothing refused is ever marked sent
        assert pending_count() == 2
    finally:
        reader.channel.queue_delete(full)
    assert wait_for(lambda: pending_count() == 0)
    seen = []
    for _, body, _ in reader.read(50, timeout=1.5):  # refused retries may have reached the other queue: at least once
        if body["message_id"] not in [message_id for message_id, _ in seen]:
            seen.append((body["message_id"], body["data"]["title"]))
    assert [title for _, title in seen] == ["batch 0", "batch 1", "batch 2"]


def test_a_publish_on_a_channel_the_broker_closed_is_a_broker_error_the_relay_survives(topology):
    """Found by a full run: the broker stopped mid-publish, and the relay exited on ChannelInvalidStateError
    (a RuntimeError), which it did not count as a broker error to reconnect from."""
    from eventhub_common.messages import build_message
    from eventhub_common.topology import amqp_url_from_env
    from outbox.broker import BROKER_ERRORS, ConfirmingPublisher

    publisher = ConfirmingPublisher(amqp_url_from_env(), topology)
    publisher.connect()
    try:
        publisher._run(publisher._exchange.channel.close())  # as a broker restart closes it
        message = build_message("user.deleted", actor={"id": "0" * 24, "username": "x"}, data={"id": "0" * 24, "username": "x"})
        confirmed, error = publisher.publish_batch([message])
        assert confirmed == [] and isinstance(error, BROKER_ERRORS), repr(error)
    finally:
        publisher.close()
    publisher.connect()  # and it connects again
    assert publisher.publish_batch([message])[0] == [0]
    publisher.close()


def test_a_relay_given_several_addresses_publishes_through_the_first_that_answers(user, reader, relays):
    """A cluster with its first node down: the relay skips it (one refused connection) and publishes."""
    relays(url=[CLOSED_PORT_URL, amqp_url_from_env()])
    make_event(user, title="through the second address")
    assert [body["data"]["title"] for _, body, _ in reader.read(1, timeout=10)] == ["through the second address"]


def test_after_a_lost_connection_the_publisher_starts_with_the_next_address(topology):
    from eventhub_common.messages import build_message
    from yarl import URL

    from outbox.broker import ConfirmingPublisher

    live = amqp_url_from_env()
    other = str(URL(live).with_host("localhost" if URL(live).host == "127.0.0.1" else "127.0.0.1"))
    publisher = ConfirmingPublisher(f"{live},{other}", topology)
    message = build_message("user.deleted", actor={"id": "0" * 24, "username": "x"}, data={"id": "0" * 24, "username": "x"})
    try:
        publisher.connect()
        assert publisher._connection.url.host == URL(live).host
        publisher.close()  # as after a broker error
        publisher.connect()
        assert publisher._connection.url.host == URL(other).host
        assert publisher.publish_batch([message])[0] == [0]
    finally:
        publisher.close()


def test_two_relays_publish_each_record_once(user, reader, relays):
    relays()
    relays()
    for n in range(10):
        make_event(user, title=f"event {n}")
    messages = reader.read(10)
    assert [body["data"]["title"] for _, body, _ in messages] == [f"event {n}" for n in range(10)]
    reader.assert_empty(wait=1.5)


def test_relay_wakes_on_commit_not_on_a_poll(user, reader, relays):
    relays(fallback_poll_seconds=30)
    time.sleep(0.5)
    started = time.monotonic()
    make_event(user, title="fast")
    reader.read(1, timeout=5)
    assert time.monotonic() - started < 2  # far below the 30 s fallback poll


def test_a_change_is_published_without_waiting_for_more_changes(user, reader, relays):
    relays(fallback_poll_seconds=30, await_ms=5000)
    time.sleep(0.5)
    started = time.monotonic()
    make_event(user, title="alone")
    reader.read(1, timeout=10)
    assert time.monotonic() - started < 2  # far below the change stream's 5 s wait for a next change


def test_standalone_mongodb_without_transactions_fails_loudly(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured
    from django.db import connection

    from outbox.checks import require_transactions

    require_transactions()
    monkeypatch.setitem(connection.features.__dict__, "_supports_transactions", False)
    with pytest.raises(ImproperlyConfigured, match="does not support transactions"):
        require_transactions()


def test_prune_deletes_only_old_sent_records_and_backlog_reports_pending(user):
    from datetime import timedelta

    from django.utils import timezone

    from outbox.models import OutboxMessage
    from outbox.services import backlog, prune_sent

    for n in range(3):
        make_event(user, title=f"e{n}")
    records = list(OutboxMessage.objects.order_by("created_at"))
    OutboxMessage.objects.filter(pk=records[0].pk).update(status="sent", sent_at=timezone.now() - timedelta(days=10))
    OutboxMessage.objects.filter(pk=records[1].pk).update(status="sent", sent_at=timezone.now())
    assert backlog()["pending"] == 1
    assert prune_sent(timedelta(days=3)) == 1
    assert OutboxMessage.objects.count() == 2


def test_the_relay_prunes_old_sent_records_on_its_own(user, reader, relays):
    from datetime import timedelta

    from django.utils import timezone

    from outbox.models import OutboxMessage

    make_event(user, title="old news")
    OutboxMessage.objects.update(status="sent", sent_at=timezone.now() - timedelta(days=30))
    relays(retention_hours=24)
    deadline = time.monotonic() + 5
    while OutboxMessage.objects.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not OutboxMessage.objects.exists()


def pending_backlog(user, count: int) -> list[str]:
    """`count` pending outbox records in commit order (copies of a real event's message); their titles."""
    from datetime import timedelta

    from outbox.models import OutboxMessage

    make_event(user, title="template")
    template = OutboxMessage.objects.get()
    started, titles, records = template.created_at, [], []
    for n in range(count):
        body = {**template.body, "message_id": str(uuid.uuid4()), "data": {**template.body["data"], "title": f"{n:04}"}}
        titles.append(body["data"]["title"])
        records.append(OutboxMessage(message_id=body["message_id"], routing_key=template.routing_key, body=body, created_at=started + timedelta(milliseconds=n + 1)))
    template.delete()
    OutboxMessage.objects.bulk_create(records)
    return titles


def test_a_relay_that_lost_its_lease_mid_drain_marks_and_publishes_nothing_more(user, reader, relays):
    from outbox.models import RelayLease

    titles = pending_backlog(user, 1000)
    first = relays(batch_size=50)
    batches, stalled, resume = [], threading.Event(), threading.Event()
    publish = first.relay.publisher.publish_batch

    def publish_then_stall_once(messages, traceparents=None):
        outcome = publish(messages, traceparents)
        batches.append(len(messages))
        if len(batches) == 6:  # confirmed, not yet marked: the relay hangs past its lease
            stalled.set()
            resume.wait(30)
        return outcome

    first.relay.publisher.publish_batch = publish_then_stall_once
    assert stalled.wait(30)
    marked_before = first.relay.published_count
    second = relays(batch_size=50)
    assert wait_for(lambda: RelayLease.objects.get().owner == second.relay.owner, timeout=15)
    resume.set()  # the first wakes up while the second drains
    assert wait_for(lambda: pending_count() == 0, timeout=60)
    received = [body["data"]["title"] for _, body, _ in reader.read(2000, timeout=3)]
    assert sorted(set(received)) == titles  # every record
    takeover = next(i for i in range(1, len(received)) if received[i] <= received[i - 1])
    assert received[:takeover] == titles[:takeover]  # the first relay's part, in commit order
    assert received[takeover:] == titles[titles.index(received[takeover]):]  # the second's, in order, to the end
    assert len(batches) == 6 and first.relay.published_count == marked_before  # nothing published or marked after
    assert len(received) - len(titles) <= batches[5]  # duplicates: at most the batch the first held
