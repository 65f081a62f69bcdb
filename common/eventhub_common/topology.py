"""The RabbitMQ topology, declared in one place by whoever connects first.

    event service relay --publish--> [EXCHANGE, topic] --event.*--> [NOTIFICATION_QUEUE, quorum]
                                                                        | rejected / delivery limit
                                                                        v
                                                    [DEAD_LETTER_EXCHANGE] --> [DEAD_LETTER_QUEUE]

All declarations are idempotent (same arguments every time), so the relay and
the consumer may both call `declare_topology` at every (re)connection. Names
carry a namespace (BROKER_NAMESPACE, default `eventhub`) so that test runs
never touch a running system's queues.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import pika

from .env import env_int, env_list, env_str


@dataclass(frozen=True)
class Topology:
    """Names and limits of the broker objects."""

    namespace: str
    delivery_limit: int

    @property
    def exchange(self) -> str:
        return f"{self.namespace}.events"

    @property
    def notification_queue(self) -> str:
        return f"{self.namespace}.notifications.event-changes"

    @property
    def dead_letter_exchange(self) -> str:
        return f"{self.namespace}.events.dead-letter"

    @property
    def dead_letter_queue(self) -> str:
        return f"{self.namespace}.notifications.event-changes.dead-letter"

    @property
    def notification_queue_arguments(self) -> dict:
        return {
            "x-queue-type": "quorum",
            "x-dead-letter-exchange": self.dead_letter_exchange,
            # Quorum queues count redeliveries; after this many the message is dead-lettered.
            "x-delivery-limit": self.delivery_limit,
        }


NOTIFICATION_BINDING_KEYS = ("event.*", "user.*", "attendance.*")  # event changes; user deactivations and deletions; RSVPs


@dataclass(frozen=True)
class ExchangeSpec:
    name: str
    type: str


@dataclass(frozen=True)
class QueueSpec:
    name: str
    arguments: dict


@dataclass(frozen=True)
class BindingSpec:
    queue: str
    exchange: str
    routing_key: str


def declarations(topology: Topology) -> tuple[list[ExchangeSpec], list[QueueSpec], list[BindingSpec]]:
    """Every durable object, for any AMQP client library to declare in this order."""
    exchanges = [
        ExchangeSpec(topology.exchange, "topic"),
        ExchangeSpec(topology.dead_letter_exchange, "fanout"),
    ]
    queues = [
        QueueSpec(topology.dead_letter_queue, {"x-queue-type": "quorum"}),
        QueueSpec(topology.notification_queue, topology.notification_queue_arguments),
    ]
    bindings = [
        BindingSpec(topology.dead_letter_queue, topology.dead_letter_exchange, ""),
        *(BindingSpec(topology.notification_queue, topology.exchange, key) for key in NOTIFICATION_BINDING_KEYS),
    ]
    return exchanges, queues, bindings


def topology_from_env() -> Topology:
    return Topology(
        namespace=env_str("BROKER_NAMESPACE", "eventhub"),
        delivery_limit=env_int("BROKER_DELIVERY_LIMIT", 5),
    )


def amqp_url_from_env() -> str:
    """The first of the broker's addresses (`amqp_urls_from_env`), for tools that need only one."""
    return amqp_urls_from_env()[0]


def broker_urls(value: str | Sequence[str]) -> list[str]:
    """The addresses of one broker (the nodes of a cluster), from a comma-separated string or a list. A comma
    inside a password is written `%2C`, as any reserved character of a URL."""
    urls = [url.strip() for url in value.split(",")] if isinstance(value, str) else [url.strip() for url in value]
    urls = [url for url in urls if url]
    if not urls:
        raise ValueError("no broker address given")
    return urls


def redacted(url: str) -> str:
    """`url` with its password, if any, replaced by stars (for logs)."""
    parts = urlsplit(str(url))
    if parts.password:
        parts = parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":******@", 1))
    return urlunsplit(parts)


def amqp_urls_from_env() -> list[str]:
    """The broker's addresses in the order clients try them: AMQP_URLS (comma-separated, a cluster's nodes),
    else the one AMQP_URL."""
    return env_list("AMQP_URLS") or [env_str("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")]


def channel_layer_urls_from_env() -> list[str]:
    """The channel layer's addresses: CHANNEL_LAYER_AMQP_URLS, else CHANNEL_LAYER_AMQP_URL (its own broker
    user in a deployment), else the broker's (`amqp_urls_from_env`)."""
    one = env_str("CHANNEL_LAYER_AMQP_URL", "")
    return env_list("CHANNEL_LAYER_AMQP_URLS") or ([one] if one else amqp_urls_from_env())


def rabbitmq_problem(urls: str | Sequence[str]) -> str | None:
    """None when RabbitMQ accepts a connection at one of `urls` (tried in turn, ~2 s each), else the last
    error's class name."""
    parameters = []
    for url in broker_urls(urls):
        parameter = pika.URLParameters(url)
        parameter.connection_attempts = 1
        parameter.socket_timeout = 2
        parameters.append(parameter)
    try:
        pika.BlockingConnection(parameters).close()
        return None
    except (pika.exceptions.AMQPError, OSError, ValueError) as exc:
        return exc.__class__.__name__


def declare_topology(channel, topology: Topology) -> None:
    """Declare everything on a pika (blocking) channel (tests and tools); `declare_topology_async` for aio-pika."""
    exchanges, queues, bindings = declarations(topology)
    for exchange in exchanges:
        channel.exchange_declare(exchange.name, exchange_type=exchange.type, durable=True)
    for queue in queues:
        channel.queue_declare(queue.name, durable=True, arguments=queue.arguments)
    for binding in bindings:
        channel.queue_bind(binding.queue, binding.exchange, routing_key=binding.routing_key)


async def declare_topology_async(channel, topology: Topology) -> dict:
    """The same on an aio-pika channel (the relay and the notification worker); returns the queues by name."""
    exchanges, queues, bindings = declarations(topology)
    for exchange in exchanges:
        await channel.declare_exchange(exchange.name, exchange.type, durable=True)
    declared = {}
    for queue in queues:
        declared[queue.name] = await channel.declare_queue(queue.name, durable=True, arguments=queue.arguments)
    for binding in bindings:
        await declared[binding.queue].bind(binding.exchange, routing_key=binding.routing_key)
    return declared


def aio_pika_url(url: str, name: str, **options) -> str:
    """`url` with a connection name (shown by `rabbitmqctl list_connections` and the management UI) and
    aio-pika options in its query. aio-pika reads both only from the URL when one is given (a
    `client_properties` argument is then ignored); the URL's own query options are kept."""
    from yarl import URL

    return str(URL(url).update_query(name=name, **{key: str(value) for key, value in options.items()}))
