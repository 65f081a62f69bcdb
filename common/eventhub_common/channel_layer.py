"""The notification service's channel layer: channels-rabbitmq, failing over between a cluster's nodes.

channels-rabbitmq 4 connects through carehare, which takes one `amqp://` URL; the layer retries and
reconnects to that one address forever, so with its node gone every WebSocket node would stay deaf
until the node came back. The layer reads its `host` once per connection attempt (`_reconnect_forever`:
the first attempt, each retry, each reconnect after a drop), so here `host` holds every address and
hands out the next one at each read: after a node stops, the next attempt goes to the next node. The
rest (declaring its exclusive queue again, re-binding its groups, the `carehare_connection` future the
broadcast receiver watches to replay lost pushes from history) is the upstream layer's own.

Why not the alternatives: a local TCP proxy in front of the nodes would be one more process on every
WebSocket node and in every deployment, with its own failure modes; a patch upstream does not help
the pinned release; another layer (channels_redis) would move the groups off RabbitMQ. A test pins
the upstream behaviour this relies on (`tests/common/test_broker_failover.py`).
"""

from collections.abc import Sequence

from channels_rabbitmq.core import RabbitmqChannelLayer

from .topology import broker_urls


class FailoverRabbitmqChannelLayer(RabbitmqChannelLayer):
    """`RabbitmqChannelLayer` whose `host` may be several addresses (a list, or comma-separated), tried in turn."""

    @property
    def host(self) -> str:
        """The address of the next connection attempt; each read moves on to the next address."""
        url = self._hosts[self._next_host]
        self._next_host = (self._next_host + 1) % len(self._hosts)
        return url

    @host.setter
    def host(self, value: str | Sequence[str]) -> None:
        self._hosts = broker_urls(value)
        self._next_host = 0

    @property
    def hosts(self) -> list[str]:
        """Every address, in the order they are tried."""
        return list(self._hosts)
