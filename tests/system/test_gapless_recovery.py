"""Recovery without gaps (issue 20): clients that drop and reconnect at random moments end with exactly the
notifications history holds for them, with two consumer workers storing and pushing concurrently.

The whole system runs with two of each scalable process (two event API nodes, two notification nodes, two
consumers on the one queue). Three writers make about 1,000 notifications through the event API: creates
(one broadcast `event.created` each) mixed with updates of events other users follow (a personal
`event.updated` for the followers and the creator), some of those subscriptions made while the writes go
on. Seven WebSocket clients of six users (one user has two) connect to either node at random and drop
their connection at random moments (cleanly or by cutting the TCP connection; some before their replay has
finished), each time reconnecting with `?since=<id of the last notification it received>`.

With two consumers, pushes reach a node out of number order; the node hands them over in order, so the
last notification a client received is a complete cursor. At the end every client's received ids, in the
order received, must be exactly its user's history after the client's starting point (oldest first): no
gap, no duplicate, no reordering; and every reconnect that lived to see it got `recovered` with `complete:
true`. `GAPLESS_SEED=<n>` repeats a run's random choices (the seed is printed).
"""

import itertools
import os
import queue
import random
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import httpx
import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus

from .clients import Listener, User, open_listener, register_and_log_in
from .harness import RunningSystem
from .test_end_to_end import event_body

WRITES = 1000  # creates and updates; one notification each
WRITERS = ("ada", "ben", "cora")  # users who create (and update their own) events
USERS = (*WRITERS, "dee", "eve", "fox")
CLIENTS = (*USERS, "ada")  # Ada has two clients, each with its own cursor
FOLLOWED_PER_WRITER = 2  # events created before the clients start, which other users subscribe to
UPDATE_SHARE = 0.2
MID_RUN_SUBSCRIBE_EVERY = 40  # writes of one writer between subscriptions made while writing
EARLY_CUT_SHARE = 0.2  # connections dropped within 60 ms, mostly before their replay ends
ABRUPT_SHARE = 0.5  # drops that cut the TCP connection instead of closing the WebSocket
STAY_SECONDS = (0.05, 1.2)  # how long other connections stay after `recovered`
HTTP_TIMEOUT = 30.0
RECOVERED_TIMEOUT = 60.0  # generous: two cores run the whole system and the clients
CATCH_UP_TIMEOUT = 180.0


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    running = RunningSystem(
        tmp_path_factory.mktemp("gapless-recovery-logs"),
        nodes=2,
        LOGIN_RATE_LIMIT="1000/m",
        REGISTRATION_RATE_LIMIT="1000/h",
        EVENT_WRITE_RATE_LIMIT="100000/m",  # ~330 writes a writer within a minute
    )
    try:
        running.start_all()
        yield running
    finally:
        running.stop_all()


# -- history ------------------------------------------------------------------------------------


def history_ids(notifications: str, user: User) -> list[str]:
    """The user's whole history, oldest first (the list pages newest first)."""
    ids, url = [], f"{notifications}/api/notifications/?page_size=100"
    while url:
        response = httpx.get(url, headers=user.headers, timeout=HTTP_TIMEOUT)
        response.raise_for_status()
        page = response.json()
        ids += [item["id"] for item in page["results"]]
        url = page["next"]
    ids.reverse()
    return ids


def unread_total(notifications: str, users: list[User]) -> int:
    """Every user's unread count summed: nothing is read here, so what history holds for them."""
    total = 0
    for user in users:
        response = httpx.get(f"{notifications}/api/notifications/counts/", headers=user.headers, timeout=HTTP_TIMEOUT)
        response.raise_for_status()
        total += response.json()["unread"]
    return total


def wait_for_pipeline(notifications: list[str], users: list[User], expected_total: int) -> dict[str, list[str]]:
    """Each user's history once the union of all of them holds `expected_total` notifications (every create is
    for everyone, every update for its creator, one of these users), and the counts stood still meanwhile.
    (Read from every notification node, `notifications`, in turn.)"""
    deadline = time.monotonic() + CATCH_UP_TIMEOUT
    previous = None
    while True:
        total = unread_total(notifications[0], users)
        if total == previous:
            nodes = itertools.islice(itertools.cycle(notifications), len(users))
            with ThreadPoolExecutor(max_workers=len(users)) as pool:  # ~10 pages a user
                pages = pool.map(history_ids, nodes, users)
                histories = dict(zip([user.username for user in users], pages, strict=True))
            union = set().union(*histories.values())
            if len(union) >= expected_total and unread_total(notifications[0], users) == total:
                assert len(union) == expected_total, f"{len(union)} notifications stored for {expected_total} writes"
                return histories
        if time.monotonic() > deadline:
            raise AssertionError(f"the pipeline did not catch up in {CATCH_UP_TIMEOUT:.0f}s (counts sum {total})")
        previous = total
        time.sleep(1.0)


# -- writers ------------------------------------------------------------------------------------


def subscribe(notifications: str, user: User, event_id: str, *, wait: float) -> bool:
    """Subscribe over REST; a 404 (the consumer has not recorded the event yet) is retried for `wait` seconds."""
    deadline = time.monotonic() + wait
    while True:
        url = f"{notifications}/api/events/{event_id}/subscription/"
        response = httpx.post(url, headers=user.headers, timeout=HTTP_TIMEOUT)
        if response.status_code in (200, 201):
            return True
        assert response.status_code == 404, response.text
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)


@dataclass
class Writer:
    user: User
    api: str
    notifications: str
    users: list[User]
    followed: list[str]  # the writer's events that others follow: the ones it updates
    writes: int
    rng: random.Random
    done: int = 0
    creates: int = 0
    updates: int = 0
    mid_run_subscriptions: int = 0
    error: BaseException | None = None

    def run(self) -> None:
        created: list[str] = []
        try:
            with httpx.Client(base_url=self.api, headers=self.user.headers, timeout=HTTP_TIMEOUT) as client:
                while self.done < self.writes:
                    if self.followed and self.rng.random() < UPDATE_SHARE:
                        event_id = self.rng.choice(self.followed)
                        title = f"{self.user.username} update {self.done}"
                        response = client.patch(f"/api/events/{event_id}/", json={"title": title})
                        assert response.status_code == 200, response.text
                        self.updates += 1
                    else:
                        title = f"{self.user.username} create {self.done}"
                        response = client.post("/api/events/", json=event_body(title))
                        assert response.status_code == 201, response.text
                        created.append(response.json()["id"])
                        self.creates += 1
                    self.done += 1
                    if self.done % MID_RUN_SUBSCRIBE_EVERY == 0 and len(created) > 15:
                        # An event created a while ago (recorded by a consumer by now, most likely) gains a follower.
                        follower = self.rng.choice([user for user in self.users if user.id != self.user.id])
                        event_id = created[-15]
                        if subscribe(self.notifications, follower, event_id, wait=0):
                            self.followed.append(event_id)
                            self.mid_run_subscriptions += 1
                    pause = self.rng.uniform(0.5, 1.5) if self.rng.random() < 0.02 else self.rng.uniform(0, 0.04)
                    time.sleep(pause)  # quiet moments as well as bursts
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            self.error = exc


# -- clients ------------------------------------------------------------------------------------


@dataclass
class Connection:
    """One WebSocket of a client, from connect to drop."""

    node: int
    since: str | None
    plan: str  # "early" (dropped within 60 ms), "normal" or "final"
    ids: list[str] = field(default_factory=list)
    before_recovered: int | None = None  # notifications received before `recovered`
    complete: bool | None = None  # `recovered`'s `complete`, None when it did not arrive
    counts_frames: int = 0
    problems: list[str] = field(default_factory=list)
    abrupt: bool = False


class Client(threading.Thread):
    """A user's tab that loses its connection now and then and reconnects with `since`."""

    def __init__(self, name: str, user: User, websocket_urls: list[str], rng: random.Random, start_id: str):
        super().__init__(name=f"client-{name}", daemon=True)
        self.user, self.websocket_urls, self.rng = user, websocket_urls, rng
        self.start_id = start_id  # the newest notification of the user's history when the client started
        self.last_id: str | None = None  # of the last notification received
        self.received: list[str] = []
        self.connections: list[Connection] = []
        self.connect_failures: list[str] = []
        self.finishing = threading.Event()  # set, with `expected_last`, once the writers are done and stored
        self.expected_last: str | None = None
        self.error: BaseException | None = None
        self.first: tuple[Listener, Connection] | None = None

    def connect(self, *, since: str | None, plan: str) -> tuple[Listener, Connection]:
        deadline = time.monotonic() + RECOVERED_TIMEOUT
        while True:
            node = self.rng.randrange(len(self.websocket_urls))
            try:
                listener = open_listener(self.websocket_urls[node], self.user, since=since)
            except (TimeoutError, OSError, InvalidStatus) as exc:
                self.connect_failures.append(f"node {node}: {exc!r}")
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
                continue
            connection = Connection(node=node, since=since, plan=plan)
            self.connections.append(connection)
            return listener, connection

    def run(self) -> None:
        try:
            listener, connection = self.first
            while True:
                self.use(listener, connection)
                if connection.plan == "final":
                    return
                if self.finishing.is_set():
                    plan = "final"
                else:
                    plan = "early" if self.rng.random() < EARLY_CUT_SHARE else "normal"
                listener, connection = self.connect(since=self.last_id or self.start_id, plan=plan)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            self.error = exc

    def use(self, listener: Listener, connection: Connection) -> None:
        recovered = lambda: connection.since is None or connection.complete is not None  # noqa: E731
        if connection.plan == "early":
            time.sleep(self.rng.uniform(0, 0.06))
        elif connection.plan == "normal":
            if not self.pump(listener, connection, recovered, RECOVERED_TIMEOUT):
                connection.problems.append(f"no `recovered` within {RECOVERED_TIMEOUT:.0f}s")
            else:
                self.pump(listener, connection, lambda: False, self.rng.uniform(*STAY_SECONDS))
        else:  # the last one: until the newest notification of the user's history has arrived, then a quiet second
            caught_up = lambda: recovered() and self.last_id == self.expected_last  # noqa: E731
            if not self.pump(listener, connection, caught_up, CATCH_UP_TIMEOUT):
                connection.problems.append(f"did not reach {self.expected_last} within {CATCH_UP_TIMEOUT:.0f}s")
            self.pump(listener, connection, lambda: False, 1.0)
        if listener.closed_at is not None:
            connection.problems.append(f"closed by the server ({listener.close_code})")
        if connection.plan != "final" and self.rng.random() < ABRUPT_SHARE:
            connection.abrupt = True
            try:
                listener.socket.socket.shutdown(socket.SHUT_RDWR)  # the network drops; no closing handshake
            except OSError:
                pass
        try:
            listener.close()
        except (OSError, ConnectionClosed):
            pass
        listener.thread.join(timeout=10)
        self.pump(listener, connection, lambda: False, 0)  # what arrived before the drop was received

    def pump(self, listener: Listener, connection: Connection, until, seconds: float) -> bool:
        """Take frames as they arrive until `until()` holds (True) or `seconds` have passed (False)."""
        deadline = time.monotonic() + seconds
        while not until():
            remaining = deadline - time.monotonic()
            try:
                frame = listener.inbox.get(timeout=remaining) if remaining > 0 else listener.inbox.get_nowait()
            except queue.Empty:
                return False
            self.take(connection, frame.payload)
        return True

    def take(self, connection: Connection, payload: dict) -> None:
        kind = payload.get("type")
        if kind == "notification":
            connection.ids.append(payload["id"])
            self.received.append(payload["id"])
            self.last_id = payload["id"]
        elif kind == "recovered":
            connection.complete = payload["complete"]
            connection.before_recovered = len(connection.ids)
            if payload["complete"] is not True:
                connection.problems.append(f"recovered: {payload}")
        elif kind == "counts":
            connection.counts_frames += 1
        else:  # error, replay_truncated: never expected here
            connection.problems.append(f"unexpected frame {payload}")


def divergence(received: list[str], expected: list[str]) -> str:
    """A readable account of how a client's stream differs from its history."""
    position = {notification_id: n for n, notification_id in enumerate(expected)}
    missing = [n for n, notification_id in enumerate(expected) if notification_id not in set(received)]
    duplicates = len(received) - len(set(received))
    unexpected = [notification_id for notification_id in received if notification_id not in position]
    pairs = enumerate(zip(received, expected, strict=False))
    first = next((n for n, (a, b) in pairs if a != b), min(len(received), len(expected)))
    seen = [position[notification_id] for notification_id in received if notification_id in position]
    out_of_order = sum(1 for a, b in zip(seen, seen[1:], strict=False) if b < a)
    return (
        f"received {len(received)}, expected {len(expected)}; missing {len(missing)} (history positions "
        f"{missing[:20]}), duplicates {duplicates}, not in history {len(unexpected)}, backward steps {out_of_order}, "
        f"first difference at {first}"
    )


# -- the test -----------------------------------------------------------------------------------


def test_clients_reconnecting_with_since_end_with_exactly_their_history(cluster):
    seed = int(os.environ.get("GAPLESS_SEED", random.randrange(1_000_000)))
    rng = random.Random(seed)
    began = time.monotonic()
    print(f"\nseed {seed} (GAPLESS_SEED={seed} repeats the random choices)")
    apis, notifications = cluster.event_api_urls, cluster.notifications
    notification_urls = [f"http://127.0.0.1:{port}" for port in cluster.ports.notification_ports()]
    users = {name: register_and_log_in(apis[n % len(apis)], name) for n, name in enumerate(USERS)}
    everyone = list(users.values())

    # Events that others follow, before any client starts (a subscription waits for a consumer to record its event).
    followed: dict[str, list[str]] = {name: [] for name in WRITERS}
    for n, name in enumerate(WRITERS):
        for k in range(FOLLOWED_PER_WRITER):
            response = httpx.post(
                f"{apis[n % len(apis)]}/api/events/",
                json=event_body(f"{name} followed {k}"),
                headers=users[name].headers,
                timeout=HTTP_TIMEOUT,
            )
            assert response.status_code == 201, response.text
            followed[name].append(response.json()["id"])
    for name, event_ids in followed.items():
        for event_id in event_ids:
            for follower in rng.sample([other for other in USERS if other != name], 2):
                assert subscribe(notifications, users[follower], event_id, wait=60), f"event {event_id} never recorded"
    setup_notifications = len(WRITERS) * FOLLOWED_PER_WRITER
    histories = wait_for_pipeline(notification_urls, everyone, setup_notifications)
    time.sleep(1.0)  # a quiet second: pushes of what is stored have been handed over

    # Half the clients first connect without `since` (nothing is being written now), half with it.
    clients = []
    for n, name in enumerate(CLIENTS):
        start_id = histories[name][-1]
        client = Client(f"{name}-{n}", users[name], cluster.websocket_urls, random.Random(rng.random()), start_id)
        client.first = client.connect(since=None if n % 2 == 0 else start_id, plan="normal")
        clients.append(client)
    for client in clients:
        client.start()

    shares = [WRITES // len(WRITERS) + (1 if n < WRITES % len(WRITERS) else 0) for n in range(len(WRITERS))]
    writers = [
        Writer(
            users[name], apis[n % len(apis)], notifications, everyone, followed[name], shares[n],
            random.Random(rng.random()),
        )
        for n, name in enumerate(WRITERS)
    ]
    started = time.monotonic()
    threads = [threading.Thread(target=writer.run, name=f"writer-{n}", daemon=True) for n, writer in enumerate(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=240)
    written = time.monotonic()
    for writer in writers:
        assert writer.error is None, f"{writer.user.username}: {writer.error!r}"
    total_writes = sum(writer.done for writer in writers)
    assert total_writes == WRITES

    histories = wait_for_pipeline(notification_urls, everyone, setup_notifications + WRITES)
    stored = time.monotonic()
    for client in clients:
        client.expected_last = histories[client.user.username][-1]
        client.finishing.set()
    for client in clients:
        client.join(timeout=CATCH_UP_TIMEOUT + 2 * RECOVERED_TIMEOUT)
    finished = time.monotonic()

    connections = [connection for client in clients for connection in client.connections]
    replays = [connection.before_recovered for connection in connections if connection.before_recovered is not None]
    nodes = [name for name in cluster.specs if name.startswith("notifications")]
    gap_fills = sum(cluster.logs(name).count("did not arrive; reading them from history") for name in nodes)
    sizes = ", ".join(f"{name} {len(ids)}" for name, ids in histories.items())
    print(
        f"notifications: {setup_notifications + WRITES} ({sum(w.creates for w in writers)} creates, "
        f"{sum(w.updates for w in writers)} updates, {sum(w.mid_run_subscriptions for w in writers)} subscriptions "
        f"made mid-run); history per user: {sizes}\n"
        f"writes: {total_writes} in {written - started:.1f}s ({total_writes / (written - started):.0f}/s); history "
        f"complete and read {stored - written:.1f}s after the last write; clients done {finished - stored:.1f}s after "
        f"that; {finished - began:.1f}s in all (system start not included)\n"
        f"clients: {len(clients)}; connections {len(connections)}, reconnects {len(connections) - len(clients)} "
        f"({sum(c.plan == 'early' for c in connections)} cut within 60 ms, {sum(c.abrupt for c in connections)} by "
        f"dropping TCP), {sum(c.node == 1 for c in connections)} on node 2; `recovered` on {len(replays)}; "
        f"replayed before `recovered`: max {max(replays, default=0)}, total {sum(replays)}; connect retries "
        f"{sum(len(client.connect_failures) for client in clients)}\n"
        f"delivered: {sum(len(client.received) for client in clients)} notification frames; gaps the nodes filled "
        f"from history after waiting: {gap_fills}"
    )

    failures = []
    for client in clients:
        name = client.name
        if client.is_alive():
            failures.append(f"{name}: still running")
        if client.error is not None:
            failures.append(f"{name}: {client.error!r}")
        history = histories[client.user.username]
        expected = history[history.index(client.start_id) + 1 :]
        if client.received != expected:
            failures.append(f"{name}: {divergence(client.received, expected)}")
        for n, connection in enumerate(client.connections):
            if connection.since is not None and connection.plan != "early" and connection.complete is not True:
                failures.append(f"{name} connection {n}: recovered {connection.complete}")
            failures += [f"{name} connection {n} ({connection.plan}): {problem}" for problem in connection.problems]
    assert not failures, "\n".join(failures)
