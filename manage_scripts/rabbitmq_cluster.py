"""A local RabbitMQ cluster of three nodes beside the machine's own RabbitMQ, to run the system on a cluster.

    python -m manage_scripts.rabbitmq_cluster start | stop [--reset] | status   (make cluster, make cluster-stop)

The nodes are `eventhub-c1@localhost` ... `eventhub-c3@localhost` (RABBITMQ_CLUSTER_NODE_PREFIX), with AMQP
on 127.0.0.1:5681-5683 (RABBITMQ_CLUSTER_PORT, the first) and Erlang distribution on 25681-25683
(RABBITMQ_CLUSTER_DIST_PORT), their data, logs and configuration under var/rabbitmq-cluster/
(RABBITMQ_CLUSTER_DIR). The machine's node (rabbit@localhost on 5672, the Debian service) is never
touched: each node here gets its own configuration file, an empty enabled-plugins file (so no
management or Prometheus listener can clash with the system node's), and its own environment file
instead of /etc/rabbitmq/rabbitmq-env.conf, which names the system node. The nodes and the CLI
share an Erlang cookie kept in the cluster's own HOME directory (both read `$HOME/.erlang.cookie`),
so the system node's cookie is neither read nor changed. The scripts are called from
RabbitMQ's own bin directory (/usr/lib/rabbitmq/bin on Debian; RABBITMQ_SBIN_DIR), not through Debian's
/usr/sbin wrappers, which switch to the `rabbitmq` user and its cookie.

`start` starts the nodes that are not running (as detached processes; they outlive the command),
joins the second and third to the first with `rabbitmqctl join_cluster` on a first start, and
waits until every node sees all three running. Started again after `stop`, the nodes come back as
the cluster they were, with their queues. `stop` stops each node cleanly (`rabbitmqctl stop`);
`--reset` then deletes their data. The system uses the cluster through `AMQP_URLS` (printed by
`start`), or `make run ARGS=--broker-cluster`, which starts and stops it.
"""

import argparse
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from .embedded_mongo import REPO_ROOT

DEFAULT_DIR = REPO_ROOT / "var" / "rabbitmq-cluster"
SIZE = 3


def sbin_dir() -> Path:
    """RabbitMQ's own scripts (not a distribution's wrappers that switch user)."""
    if configured := os.environ.get("RABBITMQ_SBIN_DIR"):
        return Path(configured)
    debian = Path("/usr/lib/rabbitmq/bin")
    if (debian / "rabbitmq-server").exists():
        return debian
    found = shutil.which("rabbitmq-server")
    if found is None:
        sys.exit("rabbitmq-server is not installed (Debian/Ubuntu: apt-get install rabbitmq-server)")
    return Path(found).resolve().parent


@dataclass(frozen=True)
class Node:
    name: str  # eventhub-c1@localhost
    port: int  # AMQP
    dist_port: int  # Erlang distribution (clustering, CLI)
    directory: Path

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/%2F"


class LocalCluster:
    """`size` RabbitMQ nodes on this machine, their files under `directory`."""

    def __init__(self, directory: Path = DEFAULT_DIR, prefix: str = "eventhub-c", port: int = 5681,
                 dist_port: int = 25681, size: int = SIZE):
        self.directory = Path(directory)
        self.nodes = [
            Node(f"{prefix}{i + 1}@localhost", port + i, dist_port + i, self.directory / f"{prefix}{i + 1}")
            for i in range(size)
        ]
        self.home = self.directory / "home"  # the cookie's directory, for the nodes and the CLI
        self._started: dict[str, subprocess.Popen] = {}

    @classmethod
    def from_env(cls) -> "LocalCluster":
        return cls(
            directory=Path(os.environ.get("RABBITMQ_CLUSTER_DIR") or DEFAULT_DIR),
            prefix=os.environ.get("RABBITMQ_CLUSTER_NODE_PREFIX") or "eventhub-c",
            port=int(os.environ.get("RABBITMQ_CLUSTER_PORT") or 5681),
            dist_port=int(os.environ.get("RABBITMQ_CLUSTER_DIST_PORT") or 25681),
        )

    @property
    def urls(self) -> list[str]:
        return [node.url for node in self.nodes]

    def node(self, name: str) -> Node:
        return next(node for node in self.nodes if node.name == name)

    # -- files and environment -------------------------------------------------------------------

    def _prepare(self) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        cookie = self.home / ".erlang.cookie"
        if not cookie.exists():
            cookie.write_text(secrets.token_hex(20))
            cookie.chmod(0o400)  # Erlang refuses a cookie others can read
        for node in self.nodes:
            node.directory.mkdir(parents=True, exist_ok=True)
            (node.directory / "enabled_plugins").write_text("[].\n")
            (node.directory / "rabbitmq-env.conf").write_text("# this node's environment comes from its starter\n")
            (node.directory / "rabbitmq.conf").write_text(
                f"listeners.tcp.default = 127.0.0.1:{node.port}\n"
                "log.file.level = info\n"
                "log.console = false\n"
            )

    def cli_env(self, node: Node) -> dict[str, str]:
        """What the node's scripts (server and CLI) run with."""
        return {
            **os.environ,
            "HOME": str(self.home),
            "RABBITMQ_CONF_ENV_FILE": str(node.directory / "rabbitmq-env.conf"),
            "RABBITMQ_NODENAME": node.name,
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(node.port),
            "RABBITMQ_DIST_PORT": str(node.dist_port),
            "RABBITMQ_CONFIG_FILE": str(node.directory / "rabbitmq.conf"),
            "RABBITMQ_ADVANCED_CONFIG_FILE": str(node.directory / "advanced.config"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(node.directory / "enabled_plugins"),
            "RABBITMQ_MNESIA_BASE": str(node.directory / "mnesia"),
            "RABBITMQ_LOG_BASE": str(node.directory / "log"),
            "RABBITMQ_PID_FILE": str(node.directory / "rabbitmq.pid"),
            # Distribution on the loopback interface only, as the system node's.
            "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS": "-kernel inet_dist_use_interface {127,0,0,1}",
        }

    # -- the CLI ---------------------------------------------------------------------------------

    def ctl(self, node: Node | str, *args: str, tool: str = "rabbitmqctl", timeout: float = 60, check: bool = True):
        """A CLI command (`rabbitmqctl`, `rabbitmq-queues`, `rabbitmq-diagnostics`) against `node`."""
        node = self.node(node) if isinstance(node, str) else node
        return subprocess.run(
            [str(sbin_dir() / tool), "-q", "-n", node.name, *args],
            env=self.cli_env(node), capture_output=True, text=True, timeout=timeout, check=check,
        )

    def answers(self, node: Node) -> bool:
        """The node's Erlang VM runs and its CLI can reach it (the app may be stopped)."""
        return self.ctl(node, "ping", tool="rabbitmq-diagnostics", timeout=30, check=False).returncode == 0

    def cluster_status(self, via: Node | None = None) -> dict:
        """`rabbitmqctl cluster_status` of `via` (or of the first node that answers); {} if none does."""
        for node in [via] if via else self.nodes:
            result = self.ctl(node, "cluster_status", "--formatter", "json", timeout=30, check=False)
            if result.returncode == 0:
                return json.loads(result.stdout)
        return {}

    def running_nodes(self, via: Node | None = None) -> list[str]:
        """The nodes `via` (or the first that answers) sees running in its cluster."""
        return sorted(self.cluster_status(via).get("running_nodes", []))

    def members(self, via: Node) -> list[str]:
        """The nodes of `via`'s cluster, running or not."""
        status = self.cluster_status(via)
        return sorted({*status.get("disk_nodes", []), *status.get("ram_nodes", [])})

    # -- start and stop --------------------------------------------------------------------------

    def start(self, timeout: float = 180) -> bool:
        """Start what does not run, form the cluster, wait until it is; whether any node was started here."""
        self._prepare()
        deadline = time.monotonic() + timeout
        starting = [node for node in self.nodes if not self.answers(node)]
        for node in starting:  # all at once: a node that was clustered waits for its peers at boot
            log = open(node.directory / "server.log", "ab")  # noqa: SIM115 - the node keeps it
            self._started[node.name] = subprocess.Popen(
                [str(sbin_dir() / "rabbitmq-server")], env=self.cli_env(node), cwd=node.directory,
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,  # not stopped by the caller's Ctrl-C
            )
        for node in starting:
            self._await_startup(node, deadline)
        first, *others = self.nodes
        for node in others:
            if first.name not in self.members(via=node):
                self.ctl(node, "stop_app")
                self.ctl(node, "join_cluster", first.name)
                self.ctl(node, "start_app", timeout=120)
        while sorted(self.running_nodes()) != sorted(node.name for node in self.nodes):
            if time.monotonic() > deadline:
                raise TimeoutError(f"the cluster did not form within {timeout:.0f} s; logs in {self.directory}/*/log")
            time.sleep(0.5)
        return bool(starting)

    def _await_startup(self, node: Node, deadline: float) -> None:
        process = self._started.get(node.name)
        while not self.answers(node):
            if process is not None and process.poll() is not None:
                raise RuntimeError(f"{node.name} exited with {process.returncode}; see {node.directory / 'server.log'}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"{node.name} did not start; see {node.directory / 'server.log'}")
            time.sleep(0.5)
        self.ctl(node, "await_startup", "--timeout", str(max(1, int(deadline - time.monotonic()))), timeout=max(5.0, deadline - time.monotonic() + 5))

    def stop(self, reset: bool = False) -> None:
        """Stop every node cleanly (the last one stopped is the first of the list); `reset`: delete their data."""
        for node in reversed(self.nodes):
            if self.answers(node):
                if self.ctl(node, "stop", timeout=120, check=False).returncode != 0:
                    self._terminate(node)
            self._wait_exited(node)
        if reset:
            for node in self.nodes:
                shutil.rmtree(node.directory, ignore_errors=True)

    def _pid(self, node: Node) -> int | None:
        """The node's running Erlang VM, from the pid file it writes (None once that process is gone, or the
        pid is another process's by now)."""
        try:
            pid = int((node.directory / "rabbitmq.pid").read_text().strip())
            environment = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        except (OSError, ValueError):
            return None
        return pid if f"RABBITMQ_NODENAME={node.name}".encode() in environment else None

    def _terminate(self, node: Node) -> None:
        """SIGTERM to the node's own process, when the CLI could not stop it."""
        if (pid := self._pid(node)) is not None:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    def _wait_exited(self, node: Node, timeout: float = 60) -> None:
        """Until the node's process has exited (`rabbitmqctl stop` may return just before)."""
        process = self._started.pop(node.name, None)
        if process is not None:
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            return
        deadline = time.monotonic() + timeout
        while self._pid(node) is not None and time.monotonic() < deadline:
            time.sleep(0.1)

    # -- what the fault test asks ----------------------------------------------------------------

    def queues(self, via: Node | str) -> list[dict]:
        """Every queue of the default vhost as `via` sees it: name, type, leader, members, online, consumers."""
        result = self.ctl(via, "list_queues", "name", "type", "leader", "members", "online", "consumers",
                          "--formatter", "json", timeout=30)
        return json.loads(result.stdout or "[]")

    def queue(self, name: str, via: Node | str) -> dict:
        """One queue as `via` sees it ({} while `via` cannot say, e.g. during an election)."""
        try:
            return next((queue for queue in self.queues(via) if queue["name"] == name), {})
        except (subprocess.SubprocessError, ValueError):
            return {}

    def connections(self, node: Node | str) -> list[str]:
        """The clients connected to `node` itself (`list_connections` lists the whole cluster's): the name each
        gave its connection, else its library."""
        node = self.node(node) if isinstance(node, str) else node
        result = self.ctl(node, "list_connections", "port", "client_properties", "--formatter", "json", timeout=30)
        clients = []
        for connection in json.loads(result.stdout or "[]"):
            if connection["port"] == node.port:
                properties = {key: value for key, _, value in connection["client_properties"]}
                clients.append(properties.get("connection_name") or properties.get("product") or "?")
        return clients

    def kill(self, node: Node | str) -> None:
        """SIGKILL to the node's Erlang VM: a crash, not a stop."""
        node = self.node(node) if isinstance(node, str) else node
        if (pid := self._pid(node)) is not None:
            os.kill(pid, signal.SIGKILL)
        self._wait_exited(node, timeout=30)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m manage_scripts.rabbitmq_cluster", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["start", "stop", "status"])
    parser.add_argument("--reset", action="store_true", help="with stop: delete the nodes' data too")
    args = parser.parse_args(argv)
    cluster = LocalCluster.from_env()
    if args.command == "start":
        print(f"[cluster] starting {', '.join(node.name for node in cluster.nodes)} in {cluster.directory}", flush=True)
        started = time.monotonic()
        cluster.start()
        print(f"[cluster] formed: {', '.join(cluster.running_nodes())} ({time.monotonic() - started:.1f} s)")
        print(f"[cluster] use it: AMQP_URLS={','.join(cluster.urls)}")
        print("[cluster] or: make run ARGS=--broker-cluster; stop it: make cluster-stop")
    elif args.command == "stop":
        cluster.stop(reset=args.reset)
        print("[cluster] stopped" + (" and its data deleted" if args.reset else ""))
    else:
        running = cluster.running_nodes()
        for node in cluster.nodes:
            print(f"{node.name}  amqp 127.0.0.1:{node.port}  {'running' if node.name in running else 'not running'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
