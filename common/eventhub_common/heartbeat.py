"""Liveness of the processes without an HTTP port (the outbox relay, the consumer): a file they touch.

Each worker touches `HEARTBEAT_FILE` (when set) from its main loop, at least every few seconds while the
loop turns; a hung loop stops touching it. The container health command checks its age:

    python -m eventhub_common.heartbeat /tmp/eventhub-heartbeat 30
"""

import os
import sys
import time
from pathlib import Path


class Heartbeat:
    """Touch the file at most once every `every` seconds; no file configured, no work."""

    def __init__(self, path: str | None = None, every: float = 2.0):
        self.path = Path(path) if path else None
        self.every = every
        self._last = 0.0

    @classmethod
    def from_env(cls) -> "Heartbeat":
        return cls(os.environ.get("HEARTBEAT_FILE") or None)

    def beat(self) -> None:
        now = time.monotonic()
        if self.path is None or now - self._last < self.every:
            return
        self._last = now
        self.path.touch()


def is_fresh(path: str, max_age: float) -> bool:
    try:
        return time.time() - os.stat(path).st_mtime <= max_age
    except OSError:
        return False


if __name__ == "__main__":
    sys.exit(0 if is_fresh(sys.argv[1], float(sys.argv[2])) else 1)
