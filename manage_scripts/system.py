"""The processes that make up the running system, in one list.

The run command supervises exactly these (with honcho); the system tests start
the same list on free ports, so what is tested is what runs.
"""

import os
import shlex
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .embedded_mongo import REPO_ROOT

EVENT_PROJECT = REPO_ROOT / "event_project"
NOTIFICATION_PROJECT = REPO_ROOT / "notification_project"


@dataclass(frozen=True)
class Ports:
    """Where the HTTP processes listen. With several nodes, event API node i listens on
    `event_api + 10*i` (8000, 8010, ...) and notification node i on `notifications + i` (8001, 8002, ...)."""

    event_api: int = 8000
    notifications: int = 8001
    nodes: int = 1
    metrics: int | None = None  # the relay's metrics port; consumer i's is metrics + 1 + i (None: no ports)

    def event_api_ports(self) -> list[int]:
        return [self.event_api + 10 * i for i in range(self.nodes)]

    def notification_ports(self) -> list[int]:
        return [self.notifications + i for i in range(self.nodes)]


@dataclass(frozen=True)
class ProcessSpec:
    name: str
    command: list[str]
    cwd: Path

    env: dict[str, str] = field(default_factory=dict)  # on top of the system's environment

    @property
    def shell_command(self) -> str:
        return shlex.join(self.command)


def _bin(name: str) -> str:
    return str(Path(sys.executable).with_name(name))


def bind_host() -> str:
    """127.0.0.1 on a dev machine; 0.0.0.0 in a container (BIND_HOST)."""
    return os.environ.get("BIND_HOST", "127.0.0.1")


def event_api_workers() -> int:
    return int(os.environ.get("EVENT_API_WORKERS", "2"))


def event_api_threads() -> int:
    """Threads per worker that run Django; 2 measured best on 2 cores (docs/performance.md, finding 12)."""
    return int(os.environ.get("EVENT_API_THREADS", "2"))


def event_api_server() -> str:
    """The event API's WSGI server: `granian` (default) or `gunicorn` (EVENT_API_SERVER)."""
    server = os.environ.get("EVENT_API_SERVER", "granian")
    if server not in ("granian", "gunicorn"):
        raise ValueError(f"EVENT_API_SERVER must be granian or gunicorn, not {server!r}")
    return server


def event_api_backpressure() -> int:
    """Connections one granian worker serves at once (EVENT_API_BACKPRESSURE). Keep-alive connections count
    even when idle, and granian's default (1024 / workers) left clients beyond it unanswered (finding 15)."""
    return int(os.environ.get("EVENT_API_BACKPRESSURE", "4096"))


def event_api_command(port: int) -> list[str]:
    """The API's WSGI server; without its own access log (`request_context` writes one, with the request's
    id, user and trace)."""
    if event_api_server() == "gunicorn":
        return [
            _bin("gunicorn"), "config.wsgi:application",
            "--bind", f"{bind_host()}:{port}",
            "--workers", str(event_api_workers()),
            "--threads", str(event_api_threads()),
            "--worker-class", "gthread",
            "--graceful-timeout", "10",
        ]
    return [
        _bin("granian"), "config.wsgi:application",
        "--interface", "wsgi",
        "--host", bind_host(), "--port", str(port),
        "--workers", str(event_api_workers()),
        "--blocking-threads", str(event_api_threads()),
        "--backpressure", str(event_api_backpressure()),
        "--workers-kill-timeout", "10",
        # A worker that dies is started again while the others serve (granian's default stops them all).
        "--respawn-failed-workers", "--respawn-interval", "0.5",
    ]


def _node_name(name: str, index: int, nodes: int) -> str:
    return name if nodes == 1 else f"{name}-{index + 1}"


def _metrics_port(ports: Ports, offset: int) -> dict[str, str]:
    return {} if ports.metrics is None else {"METRICS_PORT": str(ports.metrics + offset)}


def process_specs(ports: Ports, metrics_dir: Path | None = None) -> list[ProcessSpec]:
    """Every long-running process of the system, `ports.nodes` of each scalable one. With `metrics_dir`,
    each event API node keeps its workers' metrics in a subdirectory of it (prometheus-client's
    multiprocess mode; the caller empties it before starting), and each consumer its session journal
    (`CONSUMER_SESSION_FILE`)."""
    python = sys.executable
    specs = [
        ProcessSpec(
            name := _node_name("event-api", i, ports.nodes),
            event_api_command(port),
            EVENT_PROJECT,
            {"PROMETHEUS_MULTIPROC_DIR": str(metrics_dir / name)} if metrics_dir else {},
        )
        for i, port in enumerate(ports.event_api_ports())
    ]
    # One relay publishes at a time (a lease in MongoDB), so one is enough; more would only stand by.
    specs.append(ProcessSpec("outbox-relay", [python, "manage.py", "publish_outbox"], EVENT_PROJECT, _metrics_port(ports, 0)))
    if (NOTIFICATION_PROJECT / "manage.py").exists():
        specs += [
            ProcessSpec(
                _node_name("notifications", i, ports.nodes),
                [_bin("daphne"), "-b", bind_host(), "-p", str(port), "config.asgi:application"],
                NOTIFICATION_PROJECT,
            )
            for i, port in enumerate(ports.notification_ports())
        ]
        specs += [
            ProcessSpec(
                name := _node_name("consumer", i, ports.nodes),
                [python, "manage.py", "consume_events"],
                NOTIFICATION_PROJECT,
                {**_metrics_port(ports, 1 + i), **({"CONSUMER_SESSION_FILE": str(metrics_dir / f"{name}.session")} if metrics_dir else {})},
            )
            for i in range(ports.nodes)
        ]
    return specs


def migrate_commands() -> list[tuple[list[str], Path]]:
    """One-off set-up commands run before the processes start."""
    python = sys.executable
    commands = [
        ([python, "manage.py", "migrate", "--noinput"], EVENT_PROJECT),
    ]
    if (NOTIFICATION_PROJECT / "manage.py").exists():
        commands += [
            ([python, "manage.py", "migrate", "--noinput"], NOTIFICATION_PROJECT),
        ]
    return commands


def empty_metrics_dirs(metrics_dir: Path, specs: list[ProcessSpec]) -> None:
    """Empty (or create) each multiprocess metrics directory, so a start does not add up old workers' values."""
    for spec in specs:
        if "PROMETHEUS_MULTIPROC_DIR" in spec.env:
            directory = Path(spec.env["PROMETHEUS_MULTIPROC_DIR"])
            shutil.rmtree(directory, ignore_errors=True)
            directory.mkdir(parents=True)
