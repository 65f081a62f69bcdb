"""Make sure RabbitMQ answers at AMQP_URL before the system starts.

If it does not and a local `rabbitmq-server` is installed, start it detached
(it keeps running after the system stops, like any system service); otherwise
explain how to get one and exit non-zero.
"""

import shutil
import subprocess
import sys
import time

from eventhub_common.topology import amqp_url_from_env, rabbitmq_problem

HOW_TO_GET_ONE = """RabbitMQ does not answer at {url}.
Start one of these, then run the command again:
  - Debian/Ubuntu:  sudo apt-get install rabbitmq-server && sudo rabbitmq-server -detached
  - Docker:         docker run -d --name rabbitmq -p 5672:5672 -p 15672:15672 rabbitmq:3-management
  - elsewhere:      set AMQP_URL=amqp://user:password@host:5672/vhost"""


def answers(url: str) -> bool:
    return rabbitmq_problem(url) is None


def ensure_rabbitmq(timeout: float = 90.0) -> str:
    url = amqp_url_from_env()
    if answers(url):
        return url
    server = shutil.which("rabbitmq-server")
    if server is None:
        sys.exit(HOW_TO_GET_ONE.format(url=url))
    print(f"[rabbitmq] not answering at {url}; starting the local server ({server} -detached)", flush=True)
    subprocess.run([server, "-detached"], check=False)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if answers(url):
            print("[rabbitmq] up", flush=True)
            return url
        time.sleep(1)
    sys.exit(HOW_TO_GET_ONE.format(url=url))
