"""The system under test: the run command's processes, production settings, free ports, private names.

Uses `manage_scripts.system.process_specs` (exactly what `make run` supervises)
with the MongoDB from `embedded_mongo.mongodb` (a fresh embedded SecantusDB in a
temporary directory unless MONGODB_URI is set) and private database, cache and
broker names, so a benchmark never touches the data of a running system.
"""

import os
import subprocess
import time
import uuid
from pathlib import Path

import httpx
import psutil

from ..embedded_mongo import free_port
from ..production_env import local_production_env
from ..system import NOTIFICATION_PROJECT, Ports, migrate_commands, process_specs


def notifications_available() -> bool:
    """The notification service is in the tree (it is optional until it lands)."""
    return all((NOTIFICATION_PROJECT / name).exists() for name in ("manage.py", "config/asgi.py", "config/urls.py"))


class BenchSystem:
    """Start, watch and stop every process of the system; logs go to `log_dir`."""

    def __init__(self, log_dir: Path, mongodb_uri: str, *, notifications: bool, **env_overrides: str):
        self.log_dir = log_dir
        self.notifications = notifications
        self.ports = Ports(event_api=free_port(), notifications=free_port())
        suffix = uuid.uuid4().hex[:8]
        self.env = {
            **os.environ,
            "MONGODB_URI": mongodb_uri,
            **local_production_env(),
            "EVENT_DB_NAME": f"bench_events_{suffix}",
            "NOTIFICATION_DB_NAME": f"bench_notifications_{suffix}",
            "BROKER_NAMESPACE": f"eventhub-bench-{suffix}",
            "CACHE_KEY_PREFIX": f"bench-{suffix}",
            "PYTHONUNBUFFERED": "1",
            "LOG_LEVEL": "WARNING",
            # The benchmark measures capacity: a few seeded users write hundreds of events a minute.
            "EVENT_WRITE_RATE_LIMIT": "1000000/m",
            "WEBSOCKET_SOCKETS_PER_USER": "1000000",  # and opens thousands of sockets for those users
            **env_overrides,
        }
        self.specs = {spec.name: spec for spec in process_specs(self.ports) if notifications or spec.cwd != NOTIFICATION_PROJECT}
        self.processes: dict[str, subprocess.Popen] = {}

    @property
    def event_api(self) -> str:
        return f"http://127.0.0.1:{self.ports.event_api}"

    @property
    def notification_api(self) -> str:
        return f"http://127.0.0.1:{self.ports.notifications}"

    @property
    def websocket(self) -> str:
        return f"ws://127.0.0.1:{self.ports.notifications}/ws/notifications/"

    def start_all(self) -> None:
        for command, cwd in migrate_commands():
            if cwd == NOTIFICATION_PROJECT and not self.notifications:
                continue
            subprocess.run(command, cwd=cwd, env=self.env, check=True, stdout=subprocess.DEVNULL)
        for name, spec in self.specs.items():
            log = open(self.log_dir / f"{name}.log", "ab")  # noqa: SIM115 - closed with the process
            self.processes[name] = subprocess.Popen(
                spec.command, cwd=spec.cwd, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        urls = [f"{self.event_api}/readyz"]
        if self.notifications:
            urls.append(f"http://127.0.0.1:{self.ports.notifications}/readyz")
        deadline = time.monotonic() + 90
        for url in urls:
            while not self._ready(url):
                self.check_alive()
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{url} not ready; logs in {self.log_dir}")
                time.sleep(0.2)

    @staticmethod
    def _ready(url: str) -> bool:
        try:
            return httpx.get(url, timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def check_alive(self) -> None:
        for name, process in self.processes.items():
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited with {process.returncode}; see {self.log_dir / (name + '.log')}")

    def _mongodb_pid(self) -> int | None:
        """The embedded MongoDB server's process, when it runs on this machine (its CPU is reported too)."""
        port = self.env["MONGODB_URI"].split("://")[-1].split("/")[0].split(":")[-1]
        for process in psutil.process_iter(["pid", "cmdline"]):
            cmdline = process.info["cmdline"] or []
            if any("secantusd" in part for part in cmdline[:2]) and port in cmdline:
                return process.info["pid"]
        return None

    @staticmethod
    def _rabbitmq_pid() -> int | None:
        """The local RabbitMQ node (Erlang's beam.smp), shared with anything else using the broker."""
        for process in psutil.process_iter(["pid", "name", "cmdline"]):
            if process.info["name"] == "beam.smp" and "rabbit" in " ".join(process.info["cmdline"] or []):
                return process.info["pid"]
        return None

    def cpu_seconds(self) -> dict[str, float]:
        """CPU time used so far by each process and its children (gunicorn workers), by MongoDB and by RabbitMQ."""
        used = {}
        pids = {name: process.pid for name, process in self.processes.items()}
        if (mongodb := self._mongodb_pid()) is not None:
            pids["mongodb"] = mongodb
        if (rabbitmq := self._rabbitmq_pid()) is not None:
            pids["rabbitmq"] = rabbitmq
        for name, pid in pids.items():
            try:
                parent = psutil.Process(pid)
                total = 0.0
                for proc in [parent, *parent.children(recursive=True)]:
                    times = proc.cpu_times()
                    total += times.user + times.system
                used[name] = total
            except psutil.Error:
                used[name] = 0.0
        return used

    def stop_all(self) -> None:
        for process in self.processes.values():
            process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.processes.clear()
