"""Make sure Redis answers at REDIS_URL before the system starts (it holds the caches and the rate limits).

If it does not and a local `redis-server` is installed, start it in the background without persistence
(it keeps running after the system stops, like RabbitMQ); otherwise explain how to get one and exit.
"""

import os
import shutil
import subprocess
import sys
import time
from urllib.parse import urlparse

import redis

HOW_TO_GET_ONE = """Redis does not answer at {url} ({problem}).
Start one of these, then run the command again:
  - Debian/Ubuntu:  sudo apt-get install redis-server && redis-server --daemonize yes
  - Docker:         docker run -d --name redis -p 6379:6379 redis:7-alpine
  - elsewhere:      set REDIS_URL=redis://[:password@]host:6379/0"""


def redis_url() -> str:
    return os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")


def redis_problem(url: str) -> str | None:
    """None when Redis answers PING at `url` within a second, else the error's class name."""
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping()
        return None
    except redis.RedisError as exc:
        return exc.__class__.__name__


def ensure_redis(timeout: float = 15.0) -> str:
    url = redis_url()
    problem = redis_problem(url)
    if problem is None:
        return url
    server = shutil.which("redis-server")
    if server is None or urlparse(url).hostname not in ("127.0.0.1", "localhost"):
        sys.exit(HOW_TO_GET_ONE.format(url=url, problem=problem))
    port = str(urlparse(url).port or 6379)
    print(f"[redis] not answering at {url}; starting the local server ({server} --port {port})", flush=True)
    subprocess.run([server, "--port", port, "--daemonize", "yes", "--save", "", "--appendonly", "no"], check=False)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (problem := redis_problem(url)) is None:
            print("[redis] up", flush=True)
            return url
        time.sleep(0.5)
    sys.exit(HOW_TO_GET_ONE.format(url=url, problem=problem))
