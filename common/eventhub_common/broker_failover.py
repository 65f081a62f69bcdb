"""aio-pika connections to a broker with several addresses (the nodes of a RabbitMQ cluster), failing over
between them.

aio-pika connects to one URL, and its robust connection reconnects to that same URL forever: with the
node gone, a consumer would wait for it to come back while the other nodes serve. Here a client is
given every address (`AMQP_URLS`). A first connection goes to the first address that answers, in the
order given; once connected, a lost connection or a failed attempt moves on to the next address, in
turn, so after a node stops the next attempt goes to another node. Clients list the same addresses in
the same order, so they prefer the same node while it is up.

- `connect_robust_in_turn` (the notification worker): aio-pika's robust connection, whose channels,
  queues and consumers are restored after each reconnect, with the reconnects rotating (`FailoverRobustConnection`).
- `connect_in_turn` (the outbox relay, which reconnects by itself): a plain connection to the first
  address that answers, starting at a given one.
"""

import logging
from collections.abc import Sequence

import aio_pika
from aio_pika.exceptions import CONNECTION_EXCEPTIONS
from yarl import URL

from .topology import aio_pika_url, broker_urls, redacted

logger = logging.getLogger(__name__)


class FailoverRobustConnection(aio_pika.RobustConnection):
    """aio-pika's robust connection whose every reconnect goes to the next of `urls`.

    aio-pika calls `_on_connection_close` both when an open connection is lost and when an attempt to
    connect fails (`UnderlayConnection.connect`), and reads `self.url` at each attempt; so moving `url`
    on there is enough, and the reconnect loop, channel restore and backoff stay aio-pika's own.
    """

    def __init__(self, url: URL, *, urls: Sequence[URL], current: int = 0, **kwargs):
        super().__init__(url, **kwargs)
        self.urls = list(urls)
        self.current = current

    async def _on_connection_close(self, closing) -> None:
        if not self._close_called and len(self.urls) > 1:
            previous = self.url
            self.current = (self.current + 1) % len(self.urls)
            self.url = self.urls[self.current]
            logger.info("no connection to RabbitMQ at %s; the next attempt goes to %s", redacted(previous), redacted(self.url))
        await super()._on_connection_close(closing)


async def connect_robust_in_turn(
    urls: str | Sequence[str], name: str, *, timeout: float = 5.0, **options
) -> aio_pika.abc.AbstractRobustConnection:
    """A `FailoverRobustConnection` to the first of `urls` that answers; raises the last error if none does.
    Each attempt, the first and every reconnect, is given `timeout` (a node that accepts and never answers
    costs that long, not forever). `name` and `options` (e.g. `reconnect_interval`) go into every URL's
    query (`aio_pika_url`)."""
    addresses = [URL(aio_pika_url(url, name, **options)) for url in broker_urls(urls)]
    error: BaseException | None = None
    for index, address in enumerate(addresses):
        connection = FailoverRobustConnection(address, urls=addresses, current=index)
        try:
            await connection.connect(timeout=timeout)
            return connection
        except CONNECTION_EXCEPTIONS as exc:
            error = exc
            await connection.close()
            logger.warning("RabbitMQ at %s not reachable (%s: %s)", redacted(address), exc.__class__.__name__, exc)
    raise error


async def connect_in_turn(
    urls: str | Sequence[str], name: str, *, start: int = 0, timeout: float = 5.0
) -> tuple[aio_pika.abc.AbstractConnection, int]:
    """A plain connection to the first of `urls` that answers, trying them in turn from index `start`, each
    within `timeout`; returns it with the index of its address. Raises the last error if none answers."""
    addresses = broker_urls(urls)
    error: BaseException | None = None
    for step in range(len(addresses)):
        index = (start + step) % len(addresses)
        try:
            return await aio_pika.connect(aio_pika_url(addresses[index], name), timeout=timeout), index
        except (*CONNECTION_EXCEPTIONS, TimeoutError) as exc:
            error = exc
            if len(addresses) > 1:
                logger.warning("RabbitMQ at %s not reachable (%s: %s)", redacted(addresses[index]), exc.__class__.__name__, exc)
    raise error
