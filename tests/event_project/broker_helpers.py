"""Real-RabbitMQ helpers for the publishing tests: a private topology and a queue reader."""

import json
import threading
import time
import uuid

import pika
from eventhub_common.topology import Topology, amqp_url_from_env, declare_topology

CLOSED_PORT_URL = "amqp://guest:guest@127.0.0.1:1/%2F"


def private_topology(base: str) -> Topology:
    return Topology(namespace=f"{base}-ev-{uuid.uuid4().hex[:8]}", delivery_limit=5)


class QueueReader:
    """Reads what the relay published from the notification queue of a private topology."""

    def __init__(self, topology: Topology):
        self.topology = topology
        self.connection = pika.BlockingConnection(pika.URLParameters(amqp_url_from_env()))
        self.channel = self.connection.channel()
        declare_topology(self.channel, topology)

    def read(self, count: int, timeout: float = 10.0) -> list[tuple[str, dict, pika.BasicProperties]]:
        """Exactly `count` messages (routing key, body, properties), waiting up to `timeout`."""
        received, deadline = [], time.monotonic() + timeout
        while len(received) < count and time.monotonic() < deadline:
            method, properties, body = self.channel.basic_get(self.topology.notification_queue, auto_ack=True)
            if method is None:
                self.connection.sleep(0.02)
                continue
            received.append((method.routing_key, json.loads(body), properties))
        return received

    def assert_empty(self, wait: float = 0.5) -> None:
        self.connection.sleep(wait)
        method, _, body = self.channel.basic_get(self.topology.notification_queue, auto_ack=True)
        assert method is None, f"unexpected extra message: {body!r}"

    def delete(self) -> None:
        for queue in (self.topology.notification_queue, self.topology.dead_letter_queue):
            self.channel.queue_delete(queue)
        for exchange in (self.topology.exchange, self.topology.dead_letter_exchange):
            self.channel.exchange_delete(exchange)
        self.connection.close()


class RelayThread:
    """An OutboxRelay running in a background thread of the test process."""

    def __init__(self, topology: Topology, url: str | None = None, **settings):
        from outbox.broker import ConfirmingPublisher
        from outbox.relay import OutboxRelay, RelaySettings

        defaults = {"lease_seconds": 2.0, "fallback_poll_seconds": 1.0, "max_backoff_seconds": 0.5}
        defaults.update(settings)
        self.relay = OutboxRelay(ConfirmingPublisher(url or amqp_url_from_env(), topology), RelaySettings(**defaults))
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        try:
            self.relay.run()
        except BaseException as exc:  # noqa: BLE001 - recorded for the test to inspect
            self.error = exc

    def start(self) -> "RelayThread":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.relay.stop()
        self.thread.join(timeout=10)
