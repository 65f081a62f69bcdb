"""Start an embedded MongoDB (SecantusDB) when no MONGODB_URI is configured.

SecantusDB speaks MongoDB's wire protocol over WiredTiger storage and
advertises itself as a single-node replica set, so transactions and change
streams work as on a real replica set. When MONGODB_URI is set, that server
is used instead and nothing is started.

The server is the Python one from PyPI (`secantusd-py`, installed with the
requirements) unless EMBEDDED_MONGO_SERVER names another executable with the
same flags, such as the Rust server `secantusd-rs` that `make bench` builds.
"""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

import pymongo

REPO_ROOT = Path(__file__).resolve().parent.parent


def server_executable() -> str:
    """The embedded server to start: EMBEDDED_MONGO_SERVER, else the Python server beside this interpreter."""
    return os.environ.get("EMBEDDED_MONGO_SERVER") or str(Path(sys.executable).with_name("secantusd-py"))


def free_port(preferred: int | None = None) -> int:
    """Return `preferred` if nothing listens there, else an ephemeral free port."""
    if preferred:
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(("127.0.0.1", preferred))
                return preferred
            except OSError:
                pass
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_mongodb(uri: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    client = pymongo.MongoClient(uri, serverSelectionTimeoutMS=500)
    try:
        while True:
            try:
                client.admin.command("ping")
                return
            except pymongo.errors.PyMongoError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"MongoDB at {uri} did not answer within {timeout:.0f}s") from None
                time.sleep(0.2)
    finally:
        client.close()


@contextlib.contextmanager
def mongodb(*, data_dir: Path | None = None, port: int | None = None, log_level: str = "WARNING"):
    """Yield a MongoDB URI: the configured one, or that of an embedded server started here.

    Without `data_dir` the embedded server keeps its data in a temporary
    directory removed on exit (the test command's fresh database).
    """
    configured = os.environ.get("MONGODB_URI")
    if configured:
        wait_for_mongodb(configured)
        yield configured
        return
    temporary = data_dir is None
    storage = Path(tempfile.mkdtemp(prefix="eventhub-mongo-")) if temporary else data_dir
    storage.mkdir(parents=True, exist_ok=True)
    port = free_port(port)
    command = [
        server_executable(),
        "--host", "127.0.0.1",
        "--port", str(port),
        "--storage-path", str(storage),
        "--log-level", log_level,
    ]
    server = subprocess.Popen(command, start_new_session=True)
    uri = f"mongodb://127.0.0.1:{port}/?directConnection=true"
    try:
        wait_for_mongodb(uri)
        print(f"[mongodb] embedded SecantusDB ({Path(command[0]).name}) on {uri} (data in {storage})", flush=True)
        yield uri
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        if temporary:
            shutil.rmtree(storage, ignore_errors=True)


def server_process(uri: str):
    """The local process serving `uri` (a `psutil.Process`), found by its `--port`; None if there is none."""
    import psutil  # a test and benchmark tool (requirements/dev.txt, bench.txt)

    port = str(urlparse(uri).port)
    for process in psutil.process_iter(["cmdline"]):
        cmdline = process.info["cmdline"] or []
        if "--port" in cmdline and cmdline[cmdline.index("--port") + 1 : cmdline.index("--port") + 2] == [port]:
            return process
    return None


@contextlib.contextmanager
def stalled(process):
    """The server `process` stopped with SIGSTOP (it answers nothing, like a hung database) until exit."""
    process.send_signal(signal.SIGSTOP)
    try:
        yield
    finally:
        process.send_signal(signal.SIGCONT)
