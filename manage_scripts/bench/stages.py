"""Run one HTTP load stage (locust in a subprocess) and summarise its samples.

A stage offers `rate` requests per second from `users` simulated users in the
given mix for `duration` seconds. Its summary holds per-operation latency
percentiles and error counts, the achieved rate, the load generator's CPU use
and the system's CPU use per process over the same time.
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
    samples: list = field(default_factory=list)
    summary: dict = field(default_factory=dict)


def percentiles(values) -> dict:
    if len(values) == 0:
        return {"count": 0}
    ms = np.asarray(values) * 1000
    p50, p95, p99 = np.percentile(ms, [50, 95, 99])
    return {"count": int(len(ms)), "p50_ms": round(float(p50), 1), "p95_ms": round(float(p95), 1), "p99_ms": round(float(p99), 1), "max_ms": round(float(ms.max()), 1)}


def summarise(stage: Stage, raw: dict) -> dict:
    samples = raw["samples"]
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
    unfinished = raw["fired"] - len(samples)
    total_errors = sum(sum(kinds.values()) for kinds in errors.values()) + unfinished
    return {
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


async def run_stage(stage: Stage, *, seed: Path, host: str, work_dir: Path, system, drain: float = 10.0) -> Stage:
    """Run locust for the stage; fills `stage.samples` and `stage.summary`."""
    config = work_dir / f"stage-{stage.name}.json"
    samples_path = work_dir / f"samples-{stage.name}.json"
    spawn = max(1.0, stage.users / 1000)
    config.write_text(json.dumps({
        "seed": str(seed), "rate": stage.rate, "users": stage.users, "duration": stage.duration,
        "mix": stage.mix, "samples": str(samples_path), "spawn_seconds": spawn + 1.0, "drain_seconds": drain,
    }))
    command = [
        sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "--only-summary", "--loglevel", "ERROR",
        "--host", host, "-u", str(stage.users), "-r", str(max(stage.users / spawn, 1)),
        "--run-time", f"{int(spawn + 1 + stage.duration + drain + 1)}s", "--stop-timeout", "2",
    ]
    before_children = resource.getrusage(resource.RUSAGE_CHILDREN)
    before_system, started = system.cpu_seconds(), time.monotonic()
    process = await asyncio.create_subprocess_exec(
        *command, env={**system.env, "BENCH_STAGE": str(config)},
        stdout=asyncio.subprocess.DEVNULL, stderr=open(work_dir / f"locust-{stage.name}.log", "w"),
    )
    await process.wait()
    elapsed = time.monotonic() - started
    after_children = resource.getrusage(resource.RUSAGE_CHILDREN)
    after_system = system.cpu_seconds()
    raw = json.loads(samples_path.read_text())
    stage.samples = raw["samples"]
    stage.summary = summarise(stage, raw)
    generator_cpu = (after_children.ru_utime - before_children.ru_utime) + (after_children.ru_stime - before_children.ru_stime)
    stage.summary["load_generator_cpu"] = {"cpu_seconds": round(generator_cpu, 1), "wall_seconds": round(elapsed, 1), "cores_busy": round(generator_cpu / elapsed, 2)}
    stage.summary["system_cpu_cores_busy"] = {
        name: round((after_system.get(name, 0) - before_system.get(name, 0)) / elapsed, 2) for name in after_system
    }
    stage.summary["timeline"] = timeline(raw)
    return stage


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
