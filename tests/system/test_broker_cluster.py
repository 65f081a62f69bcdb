"""The whole system on a 3-node RabbitMQ cluster that loses the node leading the work queue (issue 23).

A private cluster of three local nodes (`manage_scripts.rabbitmq_cluster`, its own node names, ports and
files beside the machine's RabbitMQ, deleted afterwards), and on it the multi-node system: two event API
nodes, two notification nodes and two consumers, every broker client given the three addresses
(`AMQP_URLS`). A writer on each API node creates 5 events a second (and renames one and reads it back
every fifth step); each of two users has a socket on each notification node that reconnects with
`?since=` if it is closed. Then a node is lost for OUTAGE_SECONDS and comes back: first the node that
leads the work queue is stopped with `rabbitmqctl stop_app` and started again with `start_app` (every
client had connected to it: it is the first address, and a quorum queue's leader starts on the node its
declaring client is on); then the node the relay failed over to (with the clients that went there) is
killed (SIGKILL of its Erlang VM) and started again.

Asserted each time: nothing answered 2xx is lost, nothing is stored or pushed twice, every socket gets
every notification it is entitled to, no read is stale, no write is refused, no process exits (there is
no supervisor here: a client that could not fail over would have to recover by itself), the lost node
held the relay's connection and the consumers' (both of them the first time; after a failover a
consumer may have moved on one node further), a new leader is elected within the outage when the
lost node led the queue, and the node rejoins the queue. Printed and appended to
`broker-cluster-figures.json` in the system's log directory (measurements, not asserted): writes
refused, how long until the CLI shows a new leader (~0.7 s a poll), the longest pause in deliveries to
any socket (with the same over the 2.5 s before, for scale) and the slowest delivery during the outage
(time to fail over), the slowest delivery after the return and the time to catch up after it.
"""

import json
import random
import time
import uuid

import pytest

from manage_scripts.embedded_mongo import free_port

from .clients import register_and_log_in
from .harness import RunningSystem
from .test_faults import Socket, Writer, history_counts, percentile

OUTAGE_SECONDS = 10.0
AFTER_RETURN_SECONDS = 5.0


class NodeWriter(Writer):
    """The fault suite's writer, its titles prefixed so that writers on two API nodes never share one."""

    def __init__(self, api: str, users, prefix: str):
        super().__init__(api, users)
        self.prefix = prefix

    def _create(self, client, user, title: str) -> None:
        super()._create(client, user, f"{self.prefix} {title}")


def free_cluster_ports(size: int = 3) -> tuple[int, int]:
    """A first AMQP port and a first distribution port with `size` free ports from each."""
    while True:
        port = random.randrange(30000, 40000, 10)
        dist_port = port + 10000
        wanted = [port + i for i in range(size)] + [dist_port + i for i in range(size)]
        if all(free_port(candidate) == candidate for candidate in wanted):
            return port, dist_port


@pytest.fixture(scope="module")
def broker_cluster(tmp_path_factory):
    from manage_scripts.rabbitmq_cluster import LocalCluster, sbin_dir

    try:
        sbin_dir()
    except SystemExit:
        pytest.skip("rabbitmq-server is not installed")
    port, dist_port = free_cluster_ports()
    cluster = LocalCluster(
        directory=tmp_path_factory.mktemp("rabbitmq-cluster"), prefix=f"eventhub-t{uuid.uuid4().hex[:6]}-c",
        port=port, dist_port=dist_port,
    )
    started = time.monotonic()
    try:
        cluster.start()
        print(f"\n[cluster] {', '.join(n.name for n in cluster.nodes)} formed in {time.monotonic() - started:.1f} s", flush=True)
        yield cluster
    finally:
        cluster.stop(reset=True)


@pytest.fixture(scope="module")
def clustered_system(broker_cluster, tmp_path_factory):
    system = RunningSystem(
        tmp_path_factory.mktemp("cluster-system-logs"),
        nodes=2,
        AMQP_URLS=",".join(broker_cluster.urls),
        CHANNEL_LAYER_AMQP_URL="",
        CHANNEL_LAYER_AMQP_URLS="",
        LOGIN_RATE_LIMIT="60/m",
        EVENT_WRITE_RATE_LIMIT="100000/m",  # the writers' 5 a second each are the load, not abuse
    )
    try:
        system.start_all()
        yield system
    finally:
        system.stop_all()


def wait_for(condition, timeout: float, every: float = 0.2):
    """The first truthy value of `condition()` within `timeout`, else None."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(every)
    return None


def queue_names(system: RunningSystem) -> tuple[str, str]:
    namespace = system.env["BROKER_NAMESPACE"]
    return f"{namespace}.notifications.event-changes", f"{namespace}.notifications.event-changes.dead-letter"


def longest_pause(arrivals: list[float], start: float, end: float) -> float:
    """The longest time in [start, end] during which a socket received nothing (writes kept coming)."""
    times = [start, *sorted(t for t in arrivals if start <= t <= end), end]
    return max(later - earlier for earlier, later in zip(times, times[1:]))


def lose_a_node(cluster, system: RunningSystem, how: str, prefix: str) -> dict:
    """Writers and sockets running, a node lost for OUTAGE_SECONDS, then back; checks every guarantee and
    returns the figures. `how`: "stop_app" of the work queue's leader, or "kill" (SIGKILL) of the node the
    relay and the consumers are connected to."""
    work_queue, _ = queue_names(system)
    users = [register_and_log_in(system.event_api_urls[0], f"{prefix}{name}") for name in ("ann", "ben")]
    writers = [NodeWriter(api, users, prefix=f"{prefix} node{i + 1}") for i, api in enumerate(system.event_api_urls)]
    sockets = [Socket(url, user) for url in system.websocket_urls for user in users]
    for thread in (*writers, *sockets):
        thread.start()
    try:
        time.sleep(3)  # steady state: writes flowing, sockets receiving
        leader = cluster.queue(work_queue, via=cluster.nodes[0])["leader"]
        before = {node.name: cluster.connections(node) for node in cluster.nodes}
        relay_on = next(name for name, clients in before.items() if any("outbox relay" in c for c in clients))
        lost = leader if how == "stop_app" else relay_on
        survivor = next(node for node in cluster.nodes if node.name != lost)
        on_lost = before[lost]
        # Every client starts on the first node, which leads the queue. After a failover a client that met
        # an error on the next node (e.g. its channel restored mid-election) has moved on to the one after.
        consumers_needed = 2 if how == "stop_app" else 1
        assert sum("outbox relay" in c for c in on_lost) == 1 and sum("consumer" in c for c in on_lost) >= consumers_needed, (
            f"the relay and {consumers_needed} consumer(s) should be connected to {lost}, the node to be lost: {before}"
        )

        stopped_at = time.monotonic()
        if how == "stop_app":
            cluster.ctl(lost, "stop_app", timeout=60)
        else:
            cluster.kill(lost)
        down_at = time.monotonic()

        def leader_elsewhere():  # one CLI call: ~0.7 s a poll
            queue = cluster.queue(work_queue, via=survivor)
            return queue.get("leader") not in (None, "", lost) and queue["leader"] in queue["online"] and time.monotonic()

        elected_at = wait_for(leader_elsewhere, timeout=OUTAGE_SECONDS, every=0)
        time.sleep(max(0.0, stopped_at + OUTAGE_SECONDS - time.monotonic()))

        restarted_at = time.monotonic()
        if how == "stop_app":
            cluster.ctl(lost, "start_app", timeout=120)
        else:
            cluster.start()  # starts the node that does not answer, waits until the cluster has all three
        returned_at = time.monotonic()
        rejoined_at = wait_for(lambda: lost in cluster.queue(work_queue, via=survivor).get("online", []) and time.monotonic(), 60)
        time.sleep(AFTER_RETURN_SECONDS)
    finally:
        for writer in writers:
            writer.stop()
    ended_at = time.monotonic()

    try:
        expected = set().union(*(writer.created_titles() for writer in writers))
        wait_for(lambda: not any(expected - socket.received.keys() for socket in sockets), timeout=30, every=0.05)
        for socket in sockets:
            missing = expected - socket.received.keys()
            assert not missing, f"{len(missing)} notifications never reached {socket.user.username} on {socket.url}: {sorted(missing)[:5]}"
            duplicated = {title: n for title, n in socket.received.items() if n > 1}
            assert not duplicated, f"pushed more than once to {socket.user.username}: {duplicated}"
        for user in users:
            counts = history_counts(system, user)
            assert all(counts.get(title) == 1 for title in expected), f"the history of {user.username} is not exactly once"
    finally:
        for socket in sockets:
            socket.stop()

    def last_arrival(title: str) -> float:
        return max(socket.arrived[title] for socket in sockets)

    writes = [write for writer in writers for write in writer.writes if write.started >= stopped_at]
    answered = [write.seconds for write in writes if write.status is not None]
    started_of = {write.title: write.started for writer in writers for write in writer.writes if write.status == 201}
    during = [title for title, began in started_of.items() if stopped_at <= began < restarted_at]
    after = [title for title, began in started_of.items() if returned_at <= began < ended_at]
    figures = {
        "fault": f"{how} of {lost} ({'the' if lost == leader else 'not the'} work queue's leader) for {OUTAGE_SECONDS:g} s",
        "writes": len(writes),
        "refused": sum(write.status != 201 for write in writes),
        "5xx": sum(write.status is not None and write.status >= 500 for write in writes),
        "unanswered": sum(write.status is None for write in writes),
        "write_p95_s": round(percentile(answered, 0.95), 3),
        "write_slowest_s": round(max(answered, default=0.0), 3),
        "clients_on_lost_node": len(on_lost),
        "down_s": round(down_at - stopped_at, 2),  # stop_app's own duration; ~0 for kill
        "new_leader_s": round(elected_at - stopped_at, 2) if elected_at and lost == leader else None,
        "longest_pause_before_s": round(max(longest_pause(list(s.arrived.values()), stopped_at - 2.5, stopped_at) for s in sockets), 2),
        "longest_pause_s": round(max(longest_pause(list(s.arrived.values()), stopped_at, restarted_at) for s in sockets), 2),
        "slowest_delivery_outage_s": round(max((last_arrival(t) - started_of[t] for t in during), default=0.0), 2),
        "back_s": round(returned_at - restarted_at, 2),
        "rejoined_queue_s": round(rejoined_at - restarted_at, 2) if rejoined_at else None,
        "slowest_delivery_after_return_s": round(max((last_arrival(t) - started_of[t] for t in after), default=0.0), 2),
        "caught_up_after_return_s": round(
            max(0.0, max((last_arrival(t) for t, began in started_of.items() if began < returned_at), default=0.0) - returned_at), 2
        ),
        "delivered": f"{len(expected)} creates x {len(sockets)} sockets",
        "socket_reconnects": sum(socket.reconnects for socket in sockets),
    }
    print(f"\n[cluster] {json.dumps(figures)}", flush=True)
    with (system.log_dir / "broker-cluster-figures.json").open("a") as record:
        record.write(json.dumps(figures) + "\n")

    stale = [read for writer in writers for read in writer.stale]
    exited = {name: process.returncode for name, process in system.processes.items() if process.poll() is not None}
    assert not stale, f"stale reads: {stale}"
    assert not exited, f"processes exited (no supervisor restarts them here): {exited}; logs in {system.log_dir}"
    assert figures["refused"] == 0, figures
    assert elected_at or lost != leader, f"no new leader for the work queue within {OUTAGE_SECONDS:g} s: {figures}"
    assert rejoined_at, f"{lost} did not rejoin the work queue: {figures}"
    return figures


def test_the_work_and_dead_letter_queues_are_quorum_queues_on_every_node(broker_cluster, clustered_system):
    node_names = sorted(node.name for node in broker_cluster.nodes)
    for name in queue_names(clustered_system):
        queue = broker_cluster.queue(name, via=broker_cluster.nodes[1])
        assert queue["type"] == "quorum" and sorted(queue["members"]) == node_names, queue


def test_stopping_the_node_that_leads_the_work_queue_loses_nothing_and_duplicates_nothing(broker_cluster, clustered_system):
    """Every client connected to the first node, which leads the queue (its declaring client was there)."""
    lose_a_node(broker_cluster, clustered_system, "stop_app", "stopped")


def test_killing_the_node_the_clients_are_on_loses_nothing_and_duplicates_nothing(broker_cluster, clustered_system):
    """A crash (SIGKILL of the Erlang VM) instead of a clean stop, of the node the relay failed over to: the
    connections there are cut rather than closed, what was unconfirmed or unacked is published or
    delivered again, and if the node led the queue a leader is elected without a hand-over."""
    lose_a_node(broker_cluster, clustered_system, "kill", "killed")
