"""Publishing to RabbitMQ with publisher confirms, persistent delivery and the shared topology."""

import logging

import pika
from eventhub_common.messages import CONTENT_TYPE, encode_message
from eventhub_common.topology import Topology, declare_topology

logger = logging.getLogger(__name__)

# Everything that means "the broker is not there right now"; the relay backs off and retries.
BROKER_ERRORS = (pika.exceptions.AMQPError, OSError)


class ConfirmingPublisher:
    """One connection and channel in confirm mode; `publish` returns only once the broker confirmed."""

    def __init__(self, url: str, topology: Topology):
        self.url = url
        self.topology = topology
        self._connection = None
        self._channel = None

    @property
    def connected(self) -> bool:
        return bool(self._connection and self._connection.is_open and self._channel and self._channel.is_open)

    def connect(self) -> None:
        if self.connected:
            return
        self.close()
        parameters = pika.URLParameters(self.url)
        parameters.connection_attempts = 1
        parameters.socket_timeout = 5
        parameters.blocked_connection_timeout = 30
        parameters.client_properties = {"connection_name": "eventhub outbox relay"}
        self._connection = pika.BlockingConnection(parameters)
        self._channel = self._connection.channel()
        declare_topology(self._channel, self.topology)
        self._channel.confirm_delivery()
        logger.info("connected to RabbitMQ, exchange %s", self.topology.exchange)

    def publish(self, message: dict) -> None:
        """Publish one envelope; raises on nack or a lost connection (then nothing is known to be sent)."""
        properties = pika.BasicProperties(
            content_type=CONTENT_TYPE,
            delivery_mode=pika.DeliveryMode.Persistent,
            message_id=message["message_id"],
            type=message["type"],
        )
        self._channel.basic_publish(
            exchange=self.topology.exchange,
            routing_key=message["type"],
            body=encode_message(message),
            properties=properties,
        )

    def keep_alive(self) -> None:
        """Service heartbeats while idle (BlockingConnection only does so when called)."""
        if self.connected:
            self._connection.process_data_events(time_limit=0)

    def close(self) -> None:
        connection, self._connection, self._channel = self._connection, None, None
        if connection is not None and connection.is_open:
            try:
                connection.close()
            except BROKER_ERRORS:
                pass
