"""The run command's supervisor: honcho's Manager, except that a process that exits is started again.

honcho multiplexes every process's output with its name and stops them all on
Ctrl-C or SIGTERM; on its own it also stops them all when any one exits. Here a
process that exits while the system runs is logged and restarted after a
backoff that doubles with each quick failure (1 s, 2 s, 4 s ... at most
`max_backoff`) and starts again at `min_backoff` once a run lasted
`healthy_after` seconds; the others keep running. Decision 62 says why honcho
and not supervisor or circus.
"""

import multiprocessing
import queue
import signal
import time

from honcho.manager import KILL_WAIT, SIGNALS, Manager


class RestartingManager(Manager):
    def __init__(self, *, min_backoff: float = 1.0, max_backoff: float = 30.0, healthy_after: float = 60.0, **kwargs):
        super().__init__(**kwargs)
        self.min_backoff, self.max_backoff, self.healthy_after = min_backoff, max_backoff, healthy_after
        self._started_at: dict[str, float] = {}
        self._failures: dict[str, int] = {}
        self._restart_due: dict[str, float] = {}

    def loop(self):
        def _terminate(signum, frame):
            self._system_print("%s received\n" % SIGNALS[signum]["name"])
            self.returncode = SIGNALS[signum]["rc"]
            self.terminate()

        signal.signal(signal.SIGTERM, _terminate)
        signal.signal(signal.SIGINT, _terminate)
        for name in self._processes:
            self._start_one(name)
        terminating_since = None
        while True:
            try:
                self._handle(self.events.get(timeout=0.1))
            except queue.Empty:
                pass
            if self._terminating:
                self._restart_due.clear()
                if self._all_stopped():
                    break
                terminating_since = terminating_since or time.monotonic()
                if time.monotonic() - terminating_since > KILL_WAIT:
                    self.kill()
                continue
            for name, due in list(self._restart_due.items()):
                if time.monotonic() >= due:
                    del self._restart_due[name]
                    self._start_one(name)

    def _start_one(self, name: str) -> None:
        entry = self._processes[name]
        entry.pop("returncode", None)
        entry.pop("pid", None)
        entry["process"] = multiprocessing.Process(name=name, target=entry["obj"].run, args=(self.events, True))
        entry["process"].start()
        self._started_at[name] = time.monotonic()

    def _handle(self, msg) -> None:
        if msg.type == "line":
            self._printer.write(msg)
        elif msg.type == "start":
            self._processes[msg.name]["pid"] = msg.data["pid"]
            self._system_print("%s started (pid=%s)\n" % (msg.name, msg.data["pid"]))
            if self._terminating:
                self._procmgr.terminate(msg.data["pid"])
        elif msg.type == "stop":
            self._processes[msg.name]["returncode"] = msg.data["returncode"]
            self._processes[msg.name]["process"].join()
            if self._terminating:
                self._system_print("%s stopped (rc=%s)\n" % (msg.name, msg.data["returncode"]))
                return
            delay = self._backoff(msg.name)
            self._system_print("%s exited (rc=%s); restarting in %g s\n" % (msg.name, msg.data["returncode"], delay))
            self._restart_due[msg.name] = time.monotonic() + delay

    def _backoff(self, name: str) -> float:
        ran_for = time.monotonic() - self._started_at.get(name, time.monotonic())
        self._failures[name] = 0 if ran_for >= self.healthy_after else self._failures.get(name, 0) + 1
        return min(self.max_backoff, self.min_backoff * 2 ** max(0, self._failures[name] - 1))

    def _killall(self, force=False):
        """honcho's, for the processes whose start has been reported; one still starting is stopped when its
        start arrives (`_handle`)."""
        for name, entry in self._processes.items():
            if "returncode" not in entry and "pid" in entry:
                self._system_print("sending %s to %s (pid %s)\n" % ("SIGKILL" if force else "SIGTERM", name, entry["pid"]))
                (self._procmgr.kill if force else self._procmgr.terminate)(entry["pid"])
