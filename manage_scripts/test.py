"""The test command: RabbitMQ and Redis checked (or started), a fresh embedded MongoDB (unless MONGODB_URI is
set), then every suite.

Each Django project is its own pytest run, because one process can hold only
one Django settings module. Broker objects get a per-run namespace so a test
run never touches the queues of a running system. Extra arguments are passed
to every pytest run (`make test ARGS="-k login -x"`).
"""

import os
import subprocess
import sys
import uuid
import xml.etree.ElementTree as ElementTree
from pathlib import Path

from .embedded_mongo import REPO_ROOT, mongodb
from .rabbitmq import ensure_rabbitmq
from .redis_server import ensure_redis

RESULTS = REPO_ROOT / "test-results"

# (name, test directory, PYTHONPATH entry, Django settings module)
SUITES = [
    ("common", "tests/common", None, None),
    ("deployment", "tests/deployment", None, None),
    ("event_project", "tests/event_project", "event_project", "config.settings.test"),
    ("notification_project", "tests/notification_project", "notification_project", "config.settings.test"),
    ("system", "tests/system", None, None),
]


def run_suite(name, directory, pythonpath, settings_module, extra_args, env) -> tuple[int, dict]:
    if not (REPO_ROOT / directory).is_dir():
        return 0, {}
    report = RESULTS / f"{name}.xml"
    command = [sys.executable, "-m", "pytest", directory, f"--junitxml={report}", *extra_args]
    suite_env = dict(env)
    if settings_module:
        command.append(f"--ds={settings_module}")
        suite_env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT / pythonpath), env.get("PYTHONPATH")]))
    print(f"\n=== {name}: {' '.join(command[3:])}", flush=True)
    code = subprocess.call(command, cwd=REPO_ROOT, env=suite_env)
    return code, read_counts(report)


def read_counts(report: Path) -> dict:
    if not report.exists():
        return {}
    root = ElementTree.parse(report).getroot()
    suites = [root] if root.tag == "testsuite" else list(root)
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for suite in suites:
        for key in totals:
            totals[key] += int(suite.get(key, 0))
    return totals


def main(extra_args: list[str]) -> int:
    RESULTS.mkdir(exist_ok=True)
    env = dict(os.environ)
    env.setdefault("BROKER_NAMESPACE", f"eventhub-test-{uuid.uuid4().hex[:8]}")
    ensure_rabbitmq()  # the tests talk to the real ones: a clear message now instead of hundreds of failures
    ensure_redis()
    failed_suites = []
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    with mongodb() as uri:
        env["MONGODB_URI"] = uri
        for name, directory, pythonpath, settings_module in SUITES:
            code, counts = run_suite(name, directory, pythonpath, settings_module, extra_args, env)
            for key in totals:
                totals[key] += counts.get(key, 0)
            if code not in (0, 5) or (code == 5 and not extra_args):
                failed_suites.append(f"{name} (pytest exit {code})")
    passed = totals["tests"] - totals["failures"] - totals["errors"] - totals["skipped"]
    print()
    if failed_suites:
        print("failing suites: " + ", ".join(failed_suites))
    print(f"{passed} passed, {totals['failures'] + totals['errors']} failed, {totals['skipped']} skipped")
    return 1 if failed_suites else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
