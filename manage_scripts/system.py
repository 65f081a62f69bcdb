"""The processes that make up the running system, in one list.

The run command supervises exactly these (with honcho); the system tests start
the same list on free ports, so what is tested is what runs.
"""

import os
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

from .embedded_mongo import REPO_ROOT

EVENT_PROJECT = REPO_ROOT / "event_project"
NOTIFICATION_PROJECT = REPO_ROOT / "notification_project"


@dataclass(frozen=True)
class Ports:
    event_api: int = 8000
    notifications: int = 8001


@dataclass(frozen=True)
class ProcessSpec:
    name: str
    command: list[str]
    cwd: Path

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


def process_specs(ports: Ports) -> list[ProcessSpec]:
    """Every long-running process of the system."""
    python = sys.executable
    specs = [
        ProcessSpec(
            "event-api",
            [
                _bin("gunicorn"),
                "config.wsgi:application",
                "--bind", f"{bind_host()}:{ports.event_api}",
                "--workers", str(event_api_workers()),
                "--threads", os.environ.get("EVENT_API_THREADS", "4"),
                "--worker-class", "gthread",
                "--access-logfile", "-",
                "--graceful-timeout", "10",
            ],
            EVENT_PROJECT,
        ),
        ProcessSpec("outbox-relay", [python, "manage.py", "publish_outbox"], EVENT_PROJECT),
    ]
    if (NOTIFICATION_PROJECT / "manage.py").exists():
        specs += [
            ProcessSpec(
                "notifications",
                [_bin("daphne"), "-b", bind_host(), "-p", str(ports.notifications), "config.asgi:application"],
                NOTIFICATION_PROJECT,
            ),
            ProcessSpec("consumer", [python, "manage.py", "consume_events"], NOTIFICATION_PROJECT),
        ]
    return specs


def migrate_commands() -> list[tuple[list[str], Path]]:
    """One-off set-up commands run before the processes start."""
    python = sys.executable
    commands = [
        ([python, "manage.py", "migrate", "--noinput"], EVENT_PROJECT),
        ([python, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"], EVENT_PROJECT),
    ]
    if (NOTIFICATION_PROJECT / "manage.py").exists():
        commands += [
            ([python, "manage.py", "migrate", "--noinput"], NOTIFICATION_PROJECT),
            ([python, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"], NOTIFICATION_PROJECT),
        ]
    return commands
