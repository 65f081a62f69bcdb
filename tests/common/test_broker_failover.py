"""Several broker addresses (a cluster's nodes): configuration, and each client library's failover, against the
real local broker. An address where nothing listens stands for a stopped node; two spellings of the local
broker's address (127.0.0.1 and localhost) stand for two live nodes. The whole system on a real 3-node
cluster losing a node is `tests/system/test_broker_cluster.py`."""

import asyncio

import pytest
from yarl import URL

from eventhub_common.broker_failover import FailoverRobustConnection, connect_in_turn, connect_robust_in_turn
from eventhub_common.topology import (
    amqp_url_from_env, amqp_urls_from_env, broker_urls, channel_layer_urls_from_env, rabbitmq_problem, redacted,
)

from .test_rabbitmq_probe import closed_port

LIVE = amqp_url_from_env()
OTHER_LIVE = str(URL(LIVE).with_host("localhost" if URL(LIVE).host == "127.0.0.1" else "127.0.0.1"))


def dead() -> str:
    return str(URL(LIVE).with_port(closed_port()))


def test_urls_come_from_a_comma_separated_list_or_a_list():
    assert broker_urls(" amqp://a/ ,amqp://b/,, ") == ["amqp://a/", "amqp://b/"]
    assert broker_urls(["amqp://a/"]) == ["amqp://a/"]
    with pytest.raises(ValueError):
        broker_urls(" , ")


def test_addresses_in_logs_have_no_password():
    assert redacted("amqp://relay:s3cr%2Cet@node1:5672/%2F?name=x") == "amqp://relay:******@node1:5672/%2F?name=x"
    assert redacted("amqp://node1/") == "amqp://node1/"


def test_amqp_urls_win_over_amqp_url_which_keeps_working(monkeypatch):
    monkeypatch.setenv("AMQP_URL", "amqp://one/")
    monkeypatch.delenv("AMQP_URLS", raising=False)
    assert amqp_urls_from_env() == ["amqp://one/"]
    monkeypatch.setenv("AMQP_URLS", "")  # empty, as .env.example has it
    assert amqp_urls_from_env() == ["amqp://one/"]
    monkeypatch.setenv("AMQP_URLS", "amqp://n1/,amqp://n2/")
    assert amqp_urls_from_env() == ["amqp://n1/", "amqp://n2/"]
    assert amqp_url_from_env() == "amqp://n1/"


def test_the_channel_layer_has_its_own_addresses_or_the_brokers(monkeypatch):
    monkeypatch.setenv("AMQP_URLS", "amqp://n1/,amqp://n2/")
    monkeypatch.delenv("CHANNEL_LAYER_AMQP_URL", raising=False)
    monkeypatch.delenv("CHANNEL_LAYER_AMQP_URLS", raising=False)
    assert channel_layer_urls_from_env() == ["amqp://n1/", "amqp://n2/"]
    monkeypatch.setenv("CHANNEL_LAYER_AMQP_URL", "amqp://layer@n1/")
    assert channel_layer_urls_from_env() == ["amqp://layer@n1/"]
    monkeypatch.setenv("CHANNEL_LAYER_AMQP_URLS", "amqp://layer@n1/,amqp://layer@n2/")
    assert channel_layer_urls_from_env() == ["amqp://layer@n1/", "amqp://layer@n2/"]


def test_the_probe_is_ready_when_any_address_answers():
    assert rabbitmq_problem([dead(), LIVE]) is None
    assert rabbitmq_problem([dead(), dead()]) == "AMQPConnectionError"


async def test_a_plain_connection_takes_the_first_address_that_answers_from_where_it_is_told():
    connection, index = await connect_in_turn([dead(), LIVE, OTHER_LIVE], "failover test", start=0)
    await connection.close()
    assert index == 1
    connection, index = await connect_in_turn([dead(), LIVE, OTHER_LIVE], "failover test", start=2)
    await connection.close()
    assert index == 2
    with pytest.raises(ConnectionError):
        await connect_in_turn([dead()], "failover test")


async def test_a_robust_connection_skips_a_dead_address_and_reconnects_to_the_next_after_a_loss():
    connection = await connect_robust_in_turn([dead(), LIVE, OTHER_LIVE], "failover test", reconnect_interval=0.2)
    try:
        assert isinstance(connection, FailoverRobustConnection)
        assert (connection.url.host, connection.url.port) == (URL(LIVE).host, URL(LIVE).port)
        assert connection.url.query["name"] == "failover test"  # every address keeps the options
        channel = await connection.channel()

        await connection.transport.connection.close()  # the connection is lost, as when its node stops
        for _ in range(100):
            await asyncio.sleep(0.05)
            if connection.connected.is_set() and connection.url.host == URL(OTHER_LIVE).host:
                break
        assert connection.connected.is_set() and connection.url.host == URL(OTHER_LIVE).host
        await channel.declare_queue(exclusive=True)  # the channel was restored on the new connection
    finally:
        await connection.close()


async def test_a_robust_connection_goes_round_the_addresses_while_none_answers(caplog):
    addresses = [dead(), dead()]
    connection = await connect_robust_in_turn([LIVE, *addresses], "failover test", reconnect_interval=0.1)
    try:
        with caplog.at_level("INFO", logger="eventhub_common.broker_failover"):
            await connection.transport.connection.close()
            for _ in range(100):
                await asyncio.sleep(0.05)
                if connection.connected.is_set() and connection.url.host == URL(LIVE).host:
                    break
        assert connection.connected.is_set()  # back on the first once the others refused
        tried = [record.getMessage().rsplit(" ", 1)[-1] for record in caplog.records if "next attempt" in record.getMessage()]
        assert [URL(url).port for url in tried[:3]] == [URL(addresses[0]).port, URL(addresses[1]).port, URL(LIVE).port]
    finally:
        await connection.close()


async def test_the_channel_layer_tries_the_addresses_in_turn_and_goes_to_the_next_after_a_drop(monkeypatch):
    """A dead first address costs one failed attempt (then a 1 s pause); a dropped connection is replaced by
    one to the next address, with the groups bound again."""
    import carehare

    from eventhub_common.channel_layer import FailoverRabbitmqChannelLayer

    attempts = []
    real = carehare.Connection

    def recording(url, **kwargs):
        attempts.append(url)
        return real(url, **kwargs)

    monkeypatch.setattr(carehare, "Connection", recording)
    first_dead = dead()
    layer = FailoverRabbitmqChannelLayer(host=f"{first_dead},{LIVE},{OTHER_LIVE}", groups_exchange="eventhub-failover-test.groups")
    assert layer.hosts == [first_dead, LIVE, OTHER_LIVE]
    try:
        channel = await layer.new_channel()
        await asyncio.wait_for(layer.group_add("failover", channel), timeout=10)
        await layer.group_send("failover", {"type": "probe", "n": 1})
        assert (await asyncio.wait_for(layer.receive(channel), timeout=5))["n"] == 1
        assert attempts == [first_dead, LIVE]

        connection = await layer.carehare_connection
        await connection.close()  # the connection drops
        for _ in range(200):
            await asyncio.sleep(0.05)
            if (await layer.carehare_connection) is not connection:
                break
        assert attempts == [first_dead, LIVE, OTHER_LIVE]
        await layer.group_send("failover", {"type": "probe", "n": 2})  # the groups were bound again
        assert (await asyncio.wait_for(layer.receive(channel), timeout=5))["n"] == 2
    finally:
        await layer.close()


async def test_a_connection_attempt_that_hangs_is_given_up_and_the_next_address_tried():
    """An address that accepts TCP and never answers the AMQP handshake (upstream bounds only the TCP
    connect): the attempt is given up after `attempt_timeout`, its socket closed, and the layer goes on."""
    from eventhub_common.channel_layer import FailoverRabbitmqChannelLayer

    given_up = asyncio.Event()

    async def never_answer(reader, writer):
        await reader.read()  # say nothing until the client closes the connection
        given_up.set()
        writer.close()

    server = await asyncio.start_server(never_answer, "127.0.0.1", 0)
    silent = str(URL(LIVE).with_port(server.sockets[0].getsockname()[1]))
    layer = FailoverRabbitmqChannelLayer(host=[silent, LIVE], groups_exchange="eventhub-failover-test.groups", attempt_timeout=1.0)
    try:
        channel = await layer.new_channel()
        await asyncio.wait_for(layer.group_add("failover", channel), timeout=10)  # connected, through LIVE
        await layer.group_send("failover", {"type": "probe"})
        assert (await asyncio.wait_for(layer.receive(channel), timeout=5))["type"] == "probe"
        await asyncio.wait_for(given_up.wait(), timeout=1)  # the hung attempt's socket was closed, not leaked
    finally:
        await asyncio.wait_for(layer.close(), timeout=10)
        server.close()
        await server.wait_closed()


async def test_a_layer_that_never_connected_closes_at_once():
    from eventhub_common.channel_layer import FailoverRabbitmqChannelLayer

    layer = FailoverRabbitmqChannelLayer(host=[dead()], groups_exchange="eventhub-failover-test.groups")
    assert not layer.carehare_connection.done()  # starts the reconnect loop
    await asyncio.sleep(0.1)
    await asyncio.wait_for(layer.close(), timeout=3)


async def test_a_binding_that_fails_while_reconnecting_is_retried_and_its_connection_closed(monkeypatch, caplog):
    """Found by the cluster test. When a group binding failed while channels-rabbitmq 4.0.1 reconnected
    (the node it reached went away too), its `gather_without_leaking` handed the generator it had
    already consumed to `asyncio.wait`, whose TypeError ended the reconnect loop; the connection it
    dropped kept the exclusive queue, so later attempts would have been refused (405) anyway."""
    import carehare

    from eventhub_common.channel_layer import FailoverRabbitmqChannelLayer

    layer = FailoverRabbitmqChannelLayer(host=[LIVE, OTHER_LIVE], groups_exchange="eventhub-failover-test.groups")
    try:
        channel = await layer.new_channel()
        await asyncio.wait_for(layer.group_add("failover", channel), timeout=10)
        real_bind, failed = carehare.Connection.queue_bind, []

        async def bind_fails_once(self, **kwargs):
            if not failed:
                failed.append(kwargs["routing_key"])
                raise carehare.ChannelClosedByServer(404, "NOT_FOUND - as when the node goes away mid-bind")
            return await real_bind(self, **kwargs)

        monkeypatch.setattr(carehare.Connection, "queue_bind", bind_fails_once)
        with caplog.at_level("INFO", logger="eventhub_common.channel_layer"):
            connection = await layer.carehare_connection
            await connection.close()  # the layer reconnects and binds its groups again: the first bind fails
            for _ in range(100):
                await asyncio.sleep(0.05)
                if (replaced := await layer.carehare_connection) is not connection:
                    break
        assert failed == ["failover"] and replaced is not connection
        messages = [record.getMessage() for record in caplog.records]
        assert any("failed (ChannelClosedByServer" in message for message in messages), messages
        assert not any("RESOURCE_LOCKED" in message for message in messages), messages  # the failed one was closed
        await layer.group_send("failover", {"type": "probe"})
        assert (await asyncio.wait_for(layer.receive(channel), timeout=5))["type"] == "probe"
    finally:
        await asyncio.wait_for(layer.close(), timeout=10)
