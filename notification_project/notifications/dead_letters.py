"""The dead-letter queue as an operator sees it: what is there and why, and putting chosen messages back.

Listing takes every dead letter without acknowledging it and gives all back when the connection closes,
so a look changes nothing but their order. A replay publishes the chosen ones again to the events
exchange, with their original `message_id` and routing key and with publisher confirms, then
acknowledges them on the dead-letter queue; a message stored before is dropped by the consumer as a
duplicate (unique `message_id`), so replaying twice is harmless. `manage.py dead_letters` is the tool.
"""

import json
from dataclasses import dataclass

import pika
from eventhub_common.topology import Topology, broker_urls, declare_topology

from .worker import REASON_HEADER

ROUTING_KEY_HEADER = "x-original-routing-key"


@dataclass(frozen=True)
class DeadLetter:
    """One message in the dead-letter queue, held (unacknowledged) by the `DeadLetterQueue` that read it."""

    delivery_tag: int
    message_id: str | None
    routing_key: str | None
    reason: str
    body: bytes
    content_type: str | None
    headers: dict


def _routing_key(headers: dict, body: bytes) -> str | None:
    if headers.get(ROUTING_KEY_HEADER):
        return headers[ROUTING_KEY_HEADER]
    for death in headers.get("x-death") or []:  # dead-lettered by the broker itself
        if death.get("routing-keys"):
            return death["routing-keys"][0]
    try:
        kind = json.loads(body).get("type")
    except (ValueError, AttributeError):
        return None
    return kind if isinstance(kind, str) else None


class DeadLetterQueue:
    """A connection to the broker holding every dead letter; use as a context manager."""

    def __init__(self, urls: str | list[str], topology: Topology, limit: int = 10_000):
        self.topology = topology
        # pika tries the addresses (a cluster's nodes) in turn until one answers.
        self.connection = pika.BlockingConnection([pika.URLParameters(url) for url in broker_urls(urls)])
        self.channel = self.connection.channel()
        declare_topology(self.channel, topology)
        self.channel.confirm_delivery()
        self.letters = self._take_all(limit)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.connection.close()  # what was not acknowledged goes back to the queue

    def _take_all(self, limit: int) -> list[DeadLetter]:
        letters = []
        while len(letters) < limit:
            method, properties, body = self.channel.basic_get(self.topology.dead_letter_queue, auto_ack=False)
            if method is None:
                break
            headers = dict(properties.headers or {})
            letters.append(
                DeadLetter(
                    delivery_tag=method.delivery_tag,
                    message_id=properties.message_id,
                    routing_key=_routing_key(headers, body),
                    reason=str(headers.get(REASON_HEADER, "dead-lettered by the broker")),
                    body=body,
                    content_type=properties.content_type,
                    headers=headers,
                )
            )
        return letters

    def replay(self, letter: DeadLetter) -> None:
        """Publish `letter` to the events exchange again (confirmed), then remove it from this queue."""
        if letter.routing_key is None:
            raise ValueError(f"no routing key known for dead letter {letter.message_id}")
        headers = {key: value for key, value in letter.headers.items() if not key.startswith("x-")}
        properties = pika.BasicProperties(
            content_type=letter.content_type, delivery_mode=2, message_id=letter.message_id, headers=headers
        )
        self.channel.basic_publish(self.topology.exchange, letter.routing_key, letter.body, properties, mandatory=True)
        self.channel.basic_ack(letter.delivery_tag)
