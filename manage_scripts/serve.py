"""Exec one process of the system by name: `python -m manage_scripts.serve event-api`.

Container entrypoints use this, so a container runs exactly the command the
run command supervises (see system.py); `migrate` runs the one-off set-up.
"""

import os
import subprocess
import sys

from .system import Ports, migrate_commands, process_specs


def ports_from_env() -> Ports:
    return Ports(
        event_api=int(os.environ.get("EVENT_API_PORT", "8000")),
        notifications=int(os.environ.get("NOTIFICATIONS_PORT", "8001")),
    )


def main(name: str) -> None:
    if name == "migrate":
        for command, cwd in migrate_commands():
            subprocess.run(command, cwd=cwd, check=True)
        return
    specs = {spec.name: spec for spec in process_specs(ports_from_env())}
    if name not in specs:
        sys.exit(f"unknown process {name!r}; one of: migrate, {', '.join(specs)}")
    spec = specs[name]
    os.chdir(spec.cwd)
    os.execv(spec.command[0], spec.command)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m manage_scripts.serve <process name>")
    main(sys.argv[1])
