"""An asyncio fleet of notification WebSockets that timestamps every notification it receives.

Each socket connects to `ws://.../ws/notifications/?token=<JWT>` as the
browser client does and records `(notification_type, event id, receipt time)`
for every `{"type": "notification"}` frame. Delivery latency is the receipt
time minus the time the API call that caused it returned (same clock).

A socket counts as open once it has its first `counts` frame: the server reads the
user's counts after accepting, and a fan-out measured while those reads still run
would charge them to the fan-out. A server that sends no counts frames (an older
tree, a peer implementation) is waited for at most `READY_WAIT_SECONDS`.
"""

import asyncio
import json
import time
from collections import defaultdict
from urllib.parse import urlencode

import httpx
import websockets

READY_WAIT_SECONDS = 10.0


class Fleet:
    """Open sockets, one user token each (round-robin over the seeded users)."""

    def __init__(self, url: str, tokens: list[str]):
        self.url = url
        self.tokens = tokens
        self.tasks: list[asyncio.Task] = []
        self.sockets: list = []
        self.connect_failures: list[str] = []
        self.closed_early = 0
        # (notification_type, event id) -> receipt times, one per socket that got it
        self.receipts: dict[tuple[str, str], list[float]] = defaultdict(list)
        self.ready: list[asyncio.Event] = []  # one per socket: its first counts frame came

    def __len__(self) -> int:
        return len(self.sockets)

    async def grow(self, size: int, parallel: int = 100) -> float:
        """Connect sockets until there are `size`; returns the seconds it took."""
        started = time.monotonic()
        semaphore = asyncio.Semaphore(parallel)

        async def one(index: int) -> None:
            async with semaphore:
                url = f"{self.url}?{urlencode({'token': self.tokens[index % len(self.tokens)]})}"
                try:
                    socket = await websockets.connect(url, open_timeout=20, max_size=2**20, ping_interval=None)
                except (OSError, websockets.WebSocketException, asyncio.TimeoutError) as exc:
                    self.connect_failures.append(f"{type(exc).__name__}: {exc}"[:200])
                    return
                ready = asyncio.Event()
                self.sockets.append(socket)
                self.ready.append(ready)
                self.tasks.append(asyncio.create_task(self._read(socket, ready)))

        await asyncio.gather(*(one(i) for i in range(len(self.sockets), size)))
        waits = [asyncio.create_task(ready.wait()) for ready in self.ready if not ready.is_set()]
        if waits:
            await asyncio.wait(waits, timeout=READY_WAIT_SECONDS)
            for wait in waits:
                wait.cancel()
        return time.monotonic() - started

    async def _read(self, socket, ready: asyncio.Event) -> None:
        try:
            async for frame in socket:
                at = time.time()
                message = json.loads(frame)
                if message.get("type") == "counts":
                    ready.set()
                elif message.get("type") == "notification":
                    key = (message.get("notification_type", "?"), str((message.get("event") or {}).get("id")))
                    self.receipts[key].append(at)
        except websockets.ConnectionClosed:
            pass
        self.closed_early += 1

    async def wait_for(self, keys: list[tuple[str, str]], each: int, timeout: float) -> None:
        """Until every key has `each` receipts, or `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and any(len(self.receipts[key]) < each for key in keys):
            await asyncio.sleep(0.05)

    async def close(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*(socket.close() for socket in self.sockets), return_exceptions=True)
        await asyncio.gather(*self.tasks, return_exceptions=True)
        self.sockets.clear()
        self.ready.clear()
        self.tasks.clear()


async def create_event(client: httpx.AsyncClient, token: str, title: str) -> tuple[str, float]:
    """Create an event through the API; returns its id and the time the API call returned."""
    body = {
        "title": title, "description": "Fan-out probe.", "location": "Berlin",
        "start_time": "2030-01-01T10:00:00Z", "end_time": "2030-01-01T12:00:00Z",
    }
    response = await client.post("/api/events/", json=body, headers={"Authorization": f"Bearer {token}"})
    returned_at = time.time()
    response.raise_for_status()
    return response.json()["id"], returned_at
