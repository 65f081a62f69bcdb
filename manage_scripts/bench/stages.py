"""Run one HTTP load stage (locust in a subprocess) and summarise its samples.

A stage offers `rate` requests per second from `users` simulated users in the
given mix for `warmup` + `duration` seconds. Its summary holds per-operation
latency percentiles and error counts of the `duration` part, the achieved rate,
the load generator's CPU use and the system's CPU use per process over the
whole stage. The warm-up (new connections, cold caches) is summarised apart.
"""

import asyncio
import json
import resource
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

LOCUSTFILE = Path(__file__).with_name("locustfile.py")


@dataclass
class Stage:
    name: str
    rate: float
    users: int
    duration: float
    mix: dict[str, float]
    warmup: float = 0.0
    start_after: str = "instant"  # what a list's `start_after=` names: a new "instant" each time, or a "day"
    closed: bool = False  # each user waits for its answer before the next request (rate is then ignored)
    samples: list = field(default_factory=list)
    summary: dict = field(default_factory=dict)


def percentiles(values) -> dict:
    if len(values) == 0:
        return {"count": 0}
    ms = np.asarray(values) * 1000
    p50, p95, p99 = np.percentile(ms, [50, 95, 99])
    return {"count": int(len(ms)), "p50_ms": round(float(p50), 1), "p95_ms": round(float(p95), 1), "p99_ms": round(float(p99), 1), "max_ms": round(float(ms.max()), 1)}


def summarise(stage: Stage, raw: dict) -> dict:
    """The stage's numbers after its warm-up, with the warm-up's own in `warmup` (when it has one)."""
    steady_from = raw["start"] + stage.warmup
    warmup = [s for s in raw["samples"] if s[0] < steady_from]
    samples = [s for s in raw["samples"] if s[0] >= steady_from]
    by_operation = defaultdict(list)
    errors: dict[str, Counter] = defaultdict(Counter)
    for _, operation, latency, outcome, _, _ in samples:
        by_operation[operation].append(latency)
        if outcome != "ok":
            errors[operation][outcome] += 1
    endpoints = {
        operation: {**percentiles(latencies), "errors": sum(errors[operation].values()), "error_kinds": dict(errors[operation])}
        for operation, latencies in sorted(by_operation.items())
    }
    unfinished = raw["fired"] - len(samples) - len(warmup)
    total_errors = sum(sum(kinds.values()) for kinds in errors.values()) + unfinished
    summary = {
        "offered_rate": stage.rate,
        "achieved_rate": round(len(samples) / stage.duration, 1),
        "users": stage.users,
        "duration_s": stage.duration,
        "requests": len(samples),
        "unfinished": unfinished,
        "errors": total_errors,
        "all": percentiles([s[2] for s in samples]),
        "endpoints": endpoints,
        "generator_lag": percentiles([s[4] for s in samples]),
    }
    if stage.warmup:
        summary["warmup"] = {
            "duration_s": stage.warmup, "errors": sum(s[3] != "ok" for s in warmup), "all": percentiles([s[2] for s in warmup])
        }
    return summary


DELETED: set[str] = set()  # events deleted by earlier stages, which later stages must not delete again


async def run_stage(stage: Stage, *, seed: Path, host: str, work_dir: Path, system, drain: float = 10.0, profile: bool = False) -> Stage:
    """Run locust for the stage; fills `stage.samples` and `stage.summary`.

    With `profile`, py-spy samples the event API's processes meanwhile (flame graph SVG in work_dir), only
    threads holding the GIL: a thread waiting on a socket is not CPU, and with `--idle` it looked like it.
    """
    stage.summary["settle_seconds"] = await settle(system)
    config = work_dir / f"stage-{stage.name}.json"
    samples_path = work_dir / f"samples-{stage.name}.json"
    spawn = max(1.0, stage.users / 1000)
    config.write_text(json.dumps({
        "seed": str(seed), "rate": stage.rate, "users": stage.users, "duration": stage.warmup + stage.duration,
        "mix": stage.mix, "samples": str(samples_path), "spawn_seconds": spawn + 1.0, "drain_seconds": drain,
        "deleted": sorted(DELETED), "start_after": stage.start_after, "closed": stage.closed,
    }))
    command = [
        sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "--only-summary", "--loglevel", "ERROR",
        "--host", host, "-u", str(stage.users), "-r", str(max(stage.users / spawn, 1)),
        "--run-time", f"{int(spawn + 1 + stage.warmup + stage.duration + drain + 1)}s", "--stop-timeout", "2",
    ]
    before_children = resource.getrusage(resource.RUSAGE_CHILDREN)
    before_system, started = system.cpu_seconds(), time.monotonic()
    process = await asyncio.create_subprocess_exec(
        *command, env={**system.env, "BENCH_STAGE": str(config)},
        stdout=asyncio.subprocess.DEVNULL, stderr=open(work_dir / f"locust-{stage.name}.log", "w"),
    )
    profiler = None
    if profile:
        profiler = await asyncio.create_subprocess_exec(
            str(Path(sys.executable).with_name("py-spy")), "record", "--pid", str(system.processes["event-api"].pid),
            "--subprocesses", "--gil", "--duration", str(int(spawn + stage.warmup + stage.duration)), "--output", str(work_dir / f"profile-{stage.name}.svg"),
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
        )
    await process.wait()
    if profiler is not None:
        await profiler.wait()
    elapsed = time.monotonic() - started
    after_children = resource.getrusage(resource.RUSAGE_CHILDREN)
    after_system = system.cpu_seconds()
    raw = json.loads(samples_path.read_text())
    stage.samples = raw["samples"]
    DELETED.update(s[5] for s in stage.samples if s[1] == "delete")
    stage.summary = {**summarise(stage, raw), "settle_seconds": stage.summary["settle_seconds"]}
    generator_cpu = (after_children.ru_utime - before_children.ru_utime) + (after_children.ru_stime - before_children.ru_stime)
    stage.summary["load_generator_cpu"] = {"cpu_seconds": round(generator_cpu, 1), "wall_seconds": round(elapsed, 1), "cores_busy": round(generator_cpu / elapsed, 2)}
    stage.summary["system_cpu_cores_busy"] = {
        name: round((after_system.get(name, 0) - before_system.get(name, 0)) / elapsed, 2) for name in after_system
    }
    api_cpu = after_system.get("event-api", 0) - before_system.get("event-api", 0)
    stage.summary["event_api_cpu_ms_per_request"] = round(1000 * api_cpu / max(1, len(stage.samples)), 2)
    stage.summary["timeline"] = timeline(raw)
    return stage


async def settle(system, idle_cores: float = 0.25, limit: float = 180.0) -> float:
    """Wait until the system is idle (a stage that overloaded it leaves a backlog); returns the seconds waited."""
    started = time.monotonic()
    before = system.cpu_seconds()
    while time.monotonic() - started < limit:
        await asyncio.sleep(1.0)
        after = system.cpu_seconds()
        if sum(after.values()) - sum(before.values()) < idle_cores:
            break
        before = after
    return round(time.monotonic() - started, 1)


def timeline(raw: dict) -> list[dict]:
    """Per second of schedule: requests, errors and p95 latency."""
    buckets = defaultdict(list)
    for scheduled, _, latency, outcome, _, _ in raw["samples"]:
        buckets[int(scheduled - raw["start"])].append((latency, outcome))
    rows = []
    for second in sorted(buckets):
        latencies = [latency for latency, _ in buckets[second]]
        rows.append({
            "t": second, "requests": len(latencies), "errors": sum(outcome != "ok" for _, outcome in buckets[second]),
            "p95_ms": round(float(np.percentile(latencies, 95)) * 1000, 1),
        })
    return rows
