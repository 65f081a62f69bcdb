"""The whole system as real processes on free ports, for system tests.

Starts exactly the processes the run command supervises (manage_scripts.system),
each with its own log file, against the MongoDB and RabbitMQ the test runner
provides, with private database names and a private broker namespace.
"""

import os
import random
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx

from manage_scripts.embedded_mongo import REPO_ROOT, free_port
from manage_scripts.production_env import local_production_env
from manage_scripts.system import Ports, empty_metrics_dirs, migrate_commands, process_specs


def free_port_layout(nodes: int) -> Ports:
    """Free ports for `nodes` event API and notification nodes in the layout Ports describes, and for the
    relay's and the consumers' metrics (`base + 80` on)."""
    while True:
        base = random.randrange(20000, 60000, 100)
        ports = Ports(event_api=base, notifications=base + 50, nodes=nodes, metrics=base + 80)
        wanted = ports.event_api_ports() + ports.notification_ports() + [base + 80 + i for i in range(nodes + 2)]
        if all(free_port(port) == port for port in wanted):
            return ports


class RunningSystem:
    def __init__(self, log_dir: Path, nodes: int = 1, **env_overrides: str):
        self.log_dir = log_dir
        self.ports = free_port_layout(nodes)
        suffix = uuid.uuid4().hex[:8]
        self.env = {
            **os.environ,
            **local_production_env(),
            "EVENT_DB_NAME": f"system_events_{suffix}",
            "NOTIFICATION_DB_NAME": f"system_notifications_{suffix}",
            "BROKER_NAMESPACE": f"{os.environ.get('BROKER_NAMESPACE', 'eventhub-test')}-sys-{suffix}",
            "CACHE_KEY_PREFIX": f"system-{suffix}",
            "CORS_ALLOWED_ORIGINS": ",".join(f"http://127.0.0.1:{port}" for port in self.ports.notification_ports()),
            "EVENT_API_PUBLIC_URL": f"http://127.0.0.1:{self.ports.event_api}",
            "EVENT_API_WORKERS": "2",
            "PYTHONUNBUFFERED": "1",
            "OUTBOX_LEASE_SECONDS": "3",
            **env_overrides,
        }
        self.metrics_dir = log_dir / "metrics"
        self.prometheus_port = self.ports.metrics + nodes + 1  # free too (free_port_layout)
        self.specs = {spec.name: spec for spec in process_specs(self.ports, metrics_dir=self.metrics_dir)}
        self.processes: dict[str, subprocess.Popen] = {}

    @property
    def event_api(self) -> str:
        return f"http://127.0.0.1:{self.ports.event_api}"

    @property
    def notifications(self) -> str:
        return f"http://127.0.0.1:{self.ports.notifications}"

    @property
    def websocket(self) -> str:
        return f"ws://127.0.0.1:{self.ports.notifications}/ws/notifications/"

    @property
    def event_api_urls(self) -> list[str]:
        return [f"http://127.0.0.1:{port}" for port in self.ports.event_api_ports()]

    @property
    def websocket_urls(self) -> list[str]:
        return [f"ws://127.0.0.1:{port}/ws/notifications/" for port in self.ports.notification_ports()]

    def migrate(self) -> None:
        for command, cwd in migrate_commands():
            subprocess.run(command, cwd=cwd, env=self.env, check=True, stdout=subprocess.DEVNULL)

    def start(self, name: str) -> None:
        spec = self.specs[name]
        log = open(self.log_dir / f"{name}.log", "ab")  # noqa: SIM115 - closed with the process
        self.processes[name] = subprocess.Popen(
            spec.command, cwd=spec.cwd, env={**self.env, **spec.env}, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def stop(self, name: str, *, kill: bool = False) -> None:
        process = self.processes.pop(name)
        if kill:
            process.kill()
        else:
            process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def start_all(self) -> None:
        self.migrate()
        empty_metrics_dirs(self.metrics_dir, list(self.specs.values()))
        for name in self.specs:
            self.start(name)
        self.wait_until_ready()

    def wait_until_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        urls = [f"{url}/readyz" for url in self.event_api_urls]
        urls += [f"http://127.0.0.1:{port}/readyz" for port in self.ports.notification_ports()]
        for url in urls:
            while True:
                try:
                    if httpx.get(url, timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                for name, process in self.processes.items():
                    if process.poll() is not None:
                        raise RuntimeError(f"{name} exited with {process.returncode}; see {self.log_dir / (name + '.log')}")
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{url} not ready after {timeout:.0f}s; logs in {self.log_dir}")
                time.sleep(0.2)

    def stop_all(self) -> None:
        for name in list(self.processes):
            self.stop(name)

    def logs(self, name: str) -> str:
        return (self.log_dir / f"{name}.log").read_text(errors="replace")

    # -- under the run command's supervisor (the fault suite) ----------------------------------

    def start_supervised(self) -> None:
        """The system as `make run` runs it: `manage_scripts.run` (migrations, then every process under its
        restarting supervisor) on this system's ports, its output in `supervisor.log`."""
        env = {
            **self.env,
            "EVENT_API_PORT": str(self.ports.event_api),
            "NOTIFICATIONS_PORT": str(self.ports.notifications),
            "METRICS_BASE_PORT": str(self.ports.metrics),
            "PROMETHEUS_PORT": str(self.prometheus_port),
            "METRICS_DIR": str(self.metrics_dir),
            "PROMETHEUS_DIR": str(self.log_dir / "prometheus"),
        }
        log = open(self.log_dir / "supervisor.log", "ab")  # noqa: SIM115 - closed with the process
        self.processes["supervisor"] = subprocess.Popen(
            [sys.executable, "-m", "manage_scripts.run"], cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.wait_until_ready(timeout=120)

    def supervised(self) -> dict[str, list]:
        """The supervisor's live processes by their name in `process_specs` (`psutil.Process` lists; the event
        API's first is granian's main process, the rest its workers)."""
        import psutil

        found: dict[str, list] = {name: [] for name in self.specs}
        for process in psutil.Process(self.processes["supervisor"].pid).children(recursive=True):
            try:
                if process.name() in ("sh", "dash", "bash") or process.status() == psutil.STATUS_ZOMBIE:
                    continue
                cmdline = " ".join(process.cmdline())
            except psutil.NoSuchProcess:
                continue
            for name, spec in self.specs.items():
                if spec.shell_command in cmdline and not found[name]:
                    found[name] = [process, *process.children()]  # granian's workers, for the event API
        return found
