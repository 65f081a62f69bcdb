"""Clients for system tests: the REST APIs over HTTP and WebSocket listeners in threads."""

import json
import queue
from contextlib import ExitStack
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

import httpx
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

PASSWORD = "Sys-test-pass1!"


@dataclass
class User:
    username: str
    id: str
    token: str

    @property
    def headers(self) -> dict:
        return {"Authorization": f"Bearer {self.token}"}


def register_and_log_in(event_api: str, username: str, forwarded_for: str | None = None) -> User:
    """Register and log in; `forwarded_for` plays a load balancer's X-Forwarded-For."""
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    body = {"username": username, "email": f"{username}@example.com", "password": PASSWORD}
    registered = httpx.post(f"{event_api}/api/auth/register/", json=body, timeout=10)
    registered.raise_for_status()
    login = httpx.post(
        f"{event_api}/api/auth/login/", json={"username": username, "password": PASSWORD}, headers=headers, timeout=10
    )
    login.raise_for_status()
    return User(username=username, id=registered.json()["id"], token=login.json()["access"])


@dataclass
class Received:
    payload: dict
    at: float


@dataclass
class Listener:
    """One open WebSocket; every text frame lands in `inbox` with its receipt time."""

    url: str
    inbox: "queue.Queue[Received]" = field(default_factory=queue.Queue)

    def __post_init__(self):
        self._context = ExitStack()
        self.socket = self._context.enter_context(connect(self.url, open_timeout=10))
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    closed_at: float | None = None

    def _read(self):
        try:
            for frame in self.socket:
                self.inbox.put(Received(json.loads(frame), time.monotonic()))
        except ConnectionClosed:
            pass
        self.closed_at = time.monotonic()

    @property
    def close_code(self) -> int | None:
        return self.socket.close_code

    def send(self, message: dict) -> None:
        self.socket.send(json.dumps(message))

    def notifications(self, count: int, timeout: float = 5.0) -> list[Received]:
        """The next `count` notification frames (other frames, e.g. acks, are skipped)."""
        found, deadline = [], time.monotonic() + timeout
        while len(found) < count:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                item = self.inbox.get(timeout=remaining)
            except queue.Empty:
                break
            if item.payload.get("type") == "notification":
                found.append(item)
        return found

    def close(self) -> None:
        self._context.close()


def open_listener(websocket_url: str, user: User, since: str | None = None) -> Listener:
    query = {"token": user.token}
    if since:
        query["since"] = since
    return Listener(f"{websocket_url}?{urlencode(query)}")
