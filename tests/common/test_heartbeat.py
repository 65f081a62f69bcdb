"""The heartbeat file of the workers without an HTTP port, and its health command."""

import os
import subprocess
import sys
import time

from eventhub_common.heartbeat import Heartbeat


def health(path, max_age) -> int:
    return subprocess.run([sys.executable, "-m", "eventhub_common.heartbeat", str(path), str(max_age)]).returncode


def test_a_fresh_heartbeat_is_healthy_and_a_stale_or_missing_one_is_not(tmp_path):
    path = tmp_path / "heartbeat"
    assert health(path, 30) == 1  # never beaten
    Heartbeat(str(path)).beat()
    assert health(path, 30) == 0
    stale = time.time() - 60
    os.utime(path, (stale, stale))
    assert health(path, 30) == 1


def test_beats_are_spaced_and_without_a_file_nothing_is_written(tmp_path):
    path = tmp_path / "heartbeat"
    heartbeat = Heartbeat(str(path), every=60)
    heartbeat.beat()
    os.utime(path, (0, 0))
    heartbeat.beat()  # within `every`: not touched again
    assert os.stat(path).st_mtime == 0
    Heartbeat(None).beat()
