"""Make sure RabbitMQ answers at AMQP_URLS (or AMQP_URL) before the system starts.

If none of the addresses answers and one of them is the local default node (127.0.0.1:5672) and a local
`rabbitmq-server` is installed, start it detached (it keeps running after the system stops, like any
system service); otherwise explain how to get one and exit non-zero. The local cluster
(`rabbitmq_cluster`) is started by its own command, never from here.
"""

import shutil
import subprocess
import sys
import time
from urllib.parse import urlsplit

from eventhub_common.topology import amqp_urls_from_env, rabbitmq_problem

HOW_TO_GET_ONE = """RabbitMQ does not answer at {url}.
Start one of these, then run the command again:
  - Debian/Ubuntu:  sudo apt-get install rabbitmq-server && sudo rabbitmq-server -detached
  - Docker:         docker run -d --name rabbitmq -p 5672:5672 -p 15672:15672 rabbitmq:3-management
  - a local cluster: make cluster, then AMQP_URLS as it prints (or make run ARGS=--broker-cluster)
  - elsewhere:      set AMQP_URL=amqp://user:password@host:5672/vhost (a cluster: AMQP_URLS=url1,url2,...)"""


def answers(urls: list[str]) -> bool:
    return rabbitmq_problem(urls) is None


def is_local_default(url: str) -> bool:
    parts = urlsplit(url)
    return parts.hostname in ("127.0.0.1", "localhost") and (parts.port or 5672) == 5672


def ensure_rabbitmq(urls: list[str] | None = None, timeout: float = 90.0) -> list[str]:
    urls = urls or amqp_urls_from_env()
    shown = ", ".join(urls)
    if answers(urls):
        return urls
    server = shutil.which("rabbitmq-server")
    if server is None or not any(is_local_default(url) for url in urls):
        sys.exit(HOW_TO_GET_ONE.format(url=shown))
    print(f"[rabbitmq] not answering at {shown}; starting the local server ({server} -detached)", flush=True)
    subprocess.run([server, "-detached"], check=False)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if answers(urls):
            print("[rabbitmq] up", flush=True)
            return urls
        time.sleep(1)
    sys.exit(HOW_TO_GET_ONE.format(url=shown))
