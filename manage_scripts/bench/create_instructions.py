"""`make bench ARGS=--create-instructions`: machine instructions the event API spends on one create, in-process.

CPU time per create moves by half between runs of the same tree on these shared machines (finding 36);
instructions counted by valgrind's callgrind repeat to about 0.1 %, so a change to the API's create path
can be compared before and after in minutes. The count covers the Python process only (Django's test
client through the whole middleware stack, production settings, the embedded MongoDB server and Redis for
real), not the HTTP server, the database server or the rest of the pipeline: it complements the
`--writes-only` benchmark, it does not replace it.

Run as `python -m manage_scripts.bench.create_instructions --child N` from event_project/ (under callgrind)
it is the measured process: warm-up creates, then callgrind's counters zeroed, N creates, and a dump.
"""

import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from ..embedded_mongo import mongodb
from ..production_env import local_production_env
from ..system import EVENT_PROJECT, REPO_ROOT

WARM_UP = 20
EVENT = {
    "title": "Berlin meetup", "description": "Talks.", "location": "Berlin",
    "start_time": "2027-05-01T09:00:00Z", "end_time": "2027-05-01T18:00:00Z", "tags": ["python", "tech"],
    "max_attendees": 50, "coordinates": {"type": "Point", "coordinates": [13.4, 52.5]},
}


def measured_process(creates: int) -> None:
    """The process callgrind counts (cwd event_project/, settings from the environment)."""
    sys.path.insert(0, os.getcwd())
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from accounts.models import User
    from accounts.tokens import issue_tokens

    call_command("migrate", verbosity=0)
    user = User.objects.create_user(username="instructions", email="instructions@example.com", password=secrets.token_hex(16))
    client = Client(HTTP_AUTHORIZATION=f"Bearer {issue_tokens(user)['access']}", HTTP_HOST="127.0.0.1")
    body = json.dumps(EVENT)

    def create(count: int) -> None:
        for _ in range(count):
            response = client.post("/api/events/", body, content_type="application/json")
            if response.status_code != 201:
                raise SystemExit(f"create answered {response.status_code}: {response.content[:300]!r}")

    create(WARM_UP)
    pid = str(os.getpid())
    subprocess.run(["callgrind_control", "--zero", pid], check=True, capture_output=True)
    create(creates)
    subprocess.run(["callgrind_control", "--dump=measured", pid], check=True, capture_output=True)


def count(creates: int = 50) -> float:
    """Millions of instructions per create (the embedded MongoDB unless MONGODB_URI is set)."""
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (apt-get install valgrind)")
    out = Path(tempfile.mkdtemp(prefix="create-instructions-"))
    suffix = secrets.token_hex(4)
    try:
        with mongodb() as uri:
            env = {
                **os.environ, **local_production_env(), "MONGODB_URI": uri, "PYTHONHASHSEED": "0", "LOG_LEVEL": "WARNING",
                "EVENT_DB_NAME": f"instructions_{suffix}", "CACHE_KEY_PREFIX": f"instructions-{suffix}",
                "EVENT_WRITE_RATE_LIMIT": "1000000/m",
                "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])),
            }
            subprocess.run(
                ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}/callgrind.%p", sys.executable,
                 "-m", "manage_scripts.bench.create_instructions", "--child", str(creates)],
                cwd=EVENT_PROJECT, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )
        dump = next(out.glob("callgrind.*.1"))
        summary = next(line for line in dump.read_text().splitlines() if line.startswith("summary:"))
        return int(summary.split()[1]) / creates / 1e6
    finally:
        shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__" and sys.argv[1:2] == ["--child"]:
    measured_process(int(sys.argv[2]))
