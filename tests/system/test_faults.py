"""The fault suite (issue 18): the whole system under the run command's supervisor, a steady writer and
WebSocket clients, and each fault in turn.

Faults: Redis paused (`CLIENT PAUSE`), the embedded MongoDB stopped (SIGSTOP), RabbitMQ stopped
(`rabbitmqctl stop_app`), and `kill -9` of the consumer, the relay and one event API worker. After each:
no process is left dead, every write answered 2xx has its notification exactly once in each user's
history and on each socket, no read was stale, and the figures are printed (writes refused, slowest
answer, p95, time until every socket had caught up after the fault ended). Timings are printed, not
asserted (they are measurements, and machines differ); correctness is asserted.
"""

import json
import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlencode

import httpx
import pytest
from websockets.sync.client import connect

from manage_scripts.embedded_mongo import server_process, stalled

from .clients import User, register_and_log_in
from .harness import RunningSystem
from .test_end_to_end import event_body

FAULT_SECONDS = 5.0
CLIENT_TIMEOUT = 10.0  # a write unanswered this long counts as not answered
WRITE_EVERY = 0.2  # 5 writes a second


@dataclass
class Write:
    started: float
    seconds: float
    status: int | None  # None: no answer (refused connection or timeout)
    title: str


class Writer(threading.Thread):
    """Creates an event every WRITE_EVERY s, alternating two users; every fifth step renames an earlier event
    and reads it straight back (a stale read is one that shows the old title)."""

    def __init__(self, api: str, users: list[User]):
        super().__init__(daemon=True)
        self.api, self.users = api, users
        self.writes: list[Write] = []
        self.stale: list[str] = []
        self.created: list[tuple[User, str]] = []  # (creator, event id) of events answered 201
        self.stopping = threading.Event()

    def run(self) -> None:
        with httpx.Client(timeout=CLIENT_TIMEOUT) as client:
            step = 0
            while not self.stopping.wait(WRITE_EVERY):
                step += 1
                user = self.users[step % len(self.users)]
                self._create(client, user, f"fault {step:05}")
                if step % 5 == 0 and self.created:
                    self._rename_and_read(client, *self.created[len(self.created) // 2], step)

    def _timed(self, call) -> tuple[httpx.Response | None, float, float]:
        started = time.monotonic()
        try:
            response = call()
        except httpx.HTTPError:
            response = None
        return response, started, time.monotonic() - started

    def _create(self, client, user: User, title: str) -> None:
        response, started, seconds = self._timed(
            lambda: client.post(f"{self.api}/api/events/", json=event_body(title), headers=user.headers)
        )
        self.writes.append(Write(started, seconds, response.status_code if response is not None else None, title))
        if response is not None and response.status_code == 201:
            self.created.append((user, response.json()["id"]))

    def _rename_and_read(self, client, user: User, event_id: str, step: int) -> None:
        title = f"renamed {step:05}"
        response, _, _ = self._timed(
            lambda: client.patch(f"{self.api}/api/events/{event_id}/", json={"title": title}, headers=user.headers)
        )
        if response is None or response.status_code != 200:
            return
        read, _, _ = self._timed(lambda: client.get(f"{self.api}/api/events/{event_id}/", headers=user.headers))
        if read is not None and read.status_code == 200 and read.json()["title"] != title:
            self.stale.append(f"{event_id}: {read.json()['title']!r} after renaming to {title!r}")

    def created_titles(self, before: float = float("inf")) -> set[str]:
        return {write.title for write in self.writes if write.status == 201 and write.started < before}

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=CLIENT_TIMEOUT + 5)


class Socket(threading.Thread):
    """One user's WebSocket that reconnects with `?since=` whenever it is closed, like the browser client;
    `received` counts every `event.created` notification frame by title, `arrived` has its first arrival."""

    def __init__(self, url: str, user: User):
        super().__init__(daemon=True)
        self.url, self.user = url, user
        self.received: dict[str, int] = {}
        self.arrived: dict[str, float] = {}
        self.reconnects = 0
        self.last_id = None
        self.stopping = threading.Event()
        self.lock = threading.Lock()

    def run(self) -> None:
        while not self.stopping.is_set():
            query = {"token": self.user.token, **({"since": self.last_id} if self.last_id else {})}
            try:
                with connect(f"{self.url}?{urlencode(query)}", open_timeout=5, close_timeout=1) as socket:
                    while not self.stopping.is_set():
                        try:
                            self._take(json.loads(socket.recv(timeout=0.5)))
                        except TimeoutError:
                            continue
            except Exception:  # noqa: BLE001 - closed or refused: reconnect, as a client would
                pass
            if not self.stopping.is_set():
                self.reconnects += 1
                time.sleep(0.2)

    def _take(self, frame: dict) -> None:
        if frame.get("type") != "notification":
            return
        self.last_id = frame["id"]
        if frame["notification_type"] == "event.created":
            title = frame["event"]["title"]
            with self.lock:
                self.received[title] = self.received.get(title, 0) + 1
                self.arrived.setdefault(title, time.monotonic())

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=5)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    system = RunningSystem(
        tmp_path_factory.mktemp("fault-logs"),
        LOGIN_RATE_LIMIT="60/m",
        EVENT_WRITE_RATE_LIMIT="100000/m",  # the writer's 5 a second are the load, not abuse
    )
    system.start_supervised()
    users = [register_and_log_in(system.event_api, name) for name in ("faultann", "faultben")]
    writer = Writer(system.event_api, users)
    sockets = [Socket(system.websocket, user) for user in users]
    for thread in (writer, *sockets):
        thread.start()
    time.sleep(2)  # the writer and the sockets are running
    try:
        yield system, writer, sockets
    finally:
        writer.stop()
        for socket in sockets:
            socket.stop()
        system.stop_all()


def history_counts(system: RunningSystem, user: User) -> dict[str, int]:
    counts, url = {}, f"{system.notifications}/api/notifications/?page_size=100"
    while url:
        page = httpx.get(url, headers=user.headers, timeout=10).json()
        for item in page["results"]:
            if item["notification_type"] == "event.created":
                counts[item["event"]["title"]] = counts.get(item["event"]["title"], 0) + 1
        url = page["next"]
    return counts


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0.0


def check_after(world, name: str, started: float, ended: float) -> dict:
    """Wait for the sockets to catch up, check every guarantee, print and return the figures."""
    system, writer, sockets = world
    time.sleep(1.0)  # writes started before the end are answered by now (or time out below)
    expected = writer.created_titles(before=ended)
    deadline = time.monotonic() + 30
    while any(expected - socket.received.keys() for socket in sockets) and time.monotonic() < deadline:
        time.sleep(0.05)
    for socket in sockets:
        missing = expected - socket.received.keys()
        assert not missing, f"{name}: {len(missing)} notifications never reached {socket.user.username}: {sorted(missing)[:5]}"
        duplicated = {title: n for title, n in socket.received.items() if n > 1}
        assert not duplicated, f"{name}: pushed more than once to {socket.user.username}: {duplicated}"
    for user in writer.users:
        counts = history_counts(system, user)
        assert all(counts.get(title) == 1 for title in expected), f"{name}: history of {user.username} is not exactly once"
    assert not writer.stale, f"{name}: stale reads {writer.stale}"
    dead = [process for process, running in system.supervised().items() if not running]
    assert not dead, f"{name}: not running after the fault: {dead}"

    during = [write for write in writer.writes if started <= write.started < ended]
    answered = [write.seconds for write in during if write.status is not None]
    arrivals = [socket.arrived[title] for socket in sockets for title in expected if title in socket.arrived]
    window = {write.title: write.started for write in during if write.status == 201}
    deliveries = [socket.arrived[title] - began for socket in sockets for title, began in window.items()]
    figures = {
        "writes": len(during),
        "refused": sum(write.status != 201 for write in during),
        "5xx": sum(write.status is not None and write.status >= 500 for write in during),
        "unanswered": sum(write.status is None for write in during),
        "p95_s": round(percentile(answered, 0.95), 3),
        "slowest_s": round(max(answered, default=0.0), 3),
        "caught_up_s": round(max(0.0, max(arrivals, default=ended) - ended), 2),
        "slowest_delivery_s": round(max(deliveries, default=0.0), 2),  # a write in the window to its last socket
        "statuses": sorted({write.status for write in during}, key=str),
        "socket_reconnects": {socket.user.username: socket.reconnects for socket in sockets},  # so far
    }
    print(f"\n[fault] {name}: {figures}", flush=True)
    return figures


def test_redis_paused(world):
    started = time.monotonic()
    subprocess.run(["redis-cli", "CLIENT", "PAUSE", str(int(FAULT_SECONDS * 1000)), "ALL"], check=True, timeout=5)
    try:
        time.sleep(FAULT_SECONDS)
    finally:
        subprocess.run(["redis-cli", "CLIENT", "UNPAUSE"], timeout=5)
    figures = check_after(world, "Redis paused", started, time.monotonic())
    assert figures["5xx"] == 0 and figures["unanswered"] == 0


def test_mongodb_stopped(world):
    server = server_process(os.environ["MONGODB_URI"])
    if server is None:
        pytest.skip("MONGODB_URI is not the test command's embedded server")
    started = time.monotonic()
    with stalled(server):
        time.sleep(FAULT_SECONDS)
    figures = check_after(world, "MongoDB stopped (SIGSTOP)", started, time.monotonic())
    assert figures["unanswered"] == 0 and set(figures["statuses"]) <= {201, 503}


def test_rabbitmq_stopped(world):
    started = time.monotonic()
    subprocess.run(["rabbitmqctl", "-q", "stop_app"], check=True, timeout=60, capture_output=True)
    try:
        time.sleep(FAULT_SECONDS)
    finally:
        subprocess.run(["rabbitmqctl", "-q", "start_app"], check=True, timeout=120, capture_output=True)
    figures = check_after(world, "RabbitMQ stopped (stop_app)", started, time.monotonic())
    assert figures["unanswered"] == 0 and figures["5xx"] == 0


@pytest.mark.parametrize("name", ["consumer", "outbox-relay"])
def test_worker_killed(world, name):
    system = world[0]
    (process,) = system.supervised()[name]
    started = time.monotonic()
    process.send_signal(signal.SIGKILL)
    time.sleep(FAULT_SECONDS)  # the supervisor starts it again meanwhile
    figures = check_after(world, f"{name} killed (kill -9)", started, time.monotonic())
    assert figures["unanswered"] == 0 and figures["5xx"] == 0


def test_an_event_api_worker_killed(world):
    system = world[0]
    main, *workers = system.supervised()["event-api"]
    assert workers, "granian runs its workers as child processes"
    started = time.monotonic()
    workers[0].send_signal(signal.SIGKILL)
    time.sleep(FAULT_SECONDS)
    figures = check_after(world, "an event API worker killed (kill -9)", started, time.monotonic())
    assert main.is_running() and len(system.supervised()["event-api"]) == len(workers) + 1  # granian respawned it
    assert figures["5xx"] == 0  # a request in the killed worker's hands may go unanswered
