"""How fast this machine is, so reports from different machines can be compared.

The same 2-core "dev machine" differs between sessions: on a nested virtual
machine the same code ran ~3x slower and system calls cost ~0.4 µs each
(docs/performance.md, finding 17). Two numbers, measured before the system starts:
a pure-Python loop and a cheap system call.
"""

import os
import platform
import timeit


def _best_ns(statement: str, number: int, **globals_) -> float:
    return min(timeit.repeat(statement, number=number, repeat=5, globals=globals_)) / number * 1e9


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            return next(line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name"))
    except (OSError, StopIteration):
        return platform.processor() or "unknown"


def calibration() -> dict:
    """CPU model, ns per iteration of an empty Python loop, ns per `getppid` system call."""
    return {
        "cpu_model": _cpu_model(),
        "python_loop_ns": round(_best_ns("for _ in r: pass", 1, r=range(1_000_000)) / 1_000_000, 1),
        "syscall_ns": round(_best_ns("getppid()", 200_000, getppid=os.getppid), 0),
    }
