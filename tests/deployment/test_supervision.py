"""The run command's supervisor restarts a process that exits and keeps the others running; a signal stops all."""

import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil

REPO_ROOT = Path(__file__).resolve().parents[2]

SUPERVISE = textwrap.dedent(
    """
    import sys
    from manage_scripts.supervision import RestartingManager

    manager = RestartingManager(min_backoff=0.2, max_backoff=0.8, healthy_after=60)
    manager.add_process("flaky", "echo flaky up; sleep 0.1; exit 3")
    manager.add_process("steady", "echo steady up; exec sleep 60")
    manager.loop()
    sys.exit(manager.returncode or 0)
    """
)


def test_a_process_that_exits_is_restarted_with_backoff_and_the_others_keep_running():
    supervisor = subprocess.Popen(
        [sys.executable, "-c", SUPERVISE], cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        time.sleep(4)
        steady = [p for p in psutil.Process(supervisor.pid).children(recursive=True) if p.cmdline()[:2] == ["sleep", "60"]]
        assert len(steady) == 1, "the steady process runs"
        steady_pid = steady[0].pid
        supervisor.send_signal(signal.SIGTERM)
        output, _ = supervisor.communicate(timeout=15)
    finally:
        if supervisor.poll() is None:
            supervisor.kill()
    assert output.count("steady up") == 1, output  # never restarted, never stopped by the flaky one
    assert output.count("flaky up") >= 4, output
    delays = [line.rsplit("restarting in ", 1)[1] for line in output.splitlines() if "flaky exited (rc=3); restarting in" in line]
    assert delays[:4] == ["0.2 s", "0.4 s", "0.8 s", "0.8 s"], output  # doubling quick failures, capped
    assert "SIGTERM received" in output
    assert not psutil.pid_exists(steady_pid) or psutil.Process(steady_pid).status() == psutil.STATUS_ZOMBIE

