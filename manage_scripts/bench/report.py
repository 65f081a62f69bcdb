"""The benchmark's outputs: report.json, PNG charts, the checks against the targets and the printed summary."""

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


SPEC_P95_MS = 300
TARGET_P95_MS = 50


def checks(data: dict) -> list[dict]:
    """The spec's floor and the issue's targets, each with what was measured."""
    http = data["spec_profile"]["http"]
    worst_p95 = max((e.get("p95_ms", 0) for e in http["endpoints"].values()), default=None)
    rows = [
        {"check": "spec profile: zero errors", "measured": http["errors"], "met": http["errors"] == 0},
        {"check": f"spec: p95 < {SPEC_P95_MS} ms (all requests)", "measured": http["all"].get("p95_ms"), "met": http["all"].get("p95_ms", 1e9) < SPEC_P95_MS},
        {"check": f"target: p95 < {TARGET_P95_MS} ms for every endpoint", "measured": worst_p95, "met": worst_p95 is not None and worst_p95 < TARGET_P95_MS},
    ]
    sockets = data["spec_profile"].get("websockets")
    if sockets:
        p99 = sockets["latency"].get("p99_ms")
        rows += [
            {"check": "spec: delivery within 1 s (p99)", "measured": p99, "met": p99 is not None and p99 < 1000},
            {"check": "target: delivery p99 < 200 ms", "measured": p99, "met": p99 is not None and p99 < 200},
            {"check": "zero lost notifications", "measured": sockets["lost"], "met": sockets["lost"] == 0},
        ]
    ceilings = data.get("ceilings", {})
    if "reads" in ceilings:
        rows.append({"check": "target: >= 1,000 authenticated reads/s at p95 < 300 ms", "measured": ceilings["reads"]["max_rate"], "met": (ceilings["reads"]["max_rate"] or 0) >= 1000})
    if "websockets" in ceilings:
        best = ceilings["websockets"]["max_sockets"]
        rows.append({"check": "target: >= 5,000 WebSockets with delivery p99 < 1 s", "measured": best, "met": (best or 0) >= 5000})
    return rows


def write(data: dict, out: Path) -> None:
    (out / "report.json").write_text(json.dumps(data, indent=2))
    latency_chart(data, out / "latency-distribution.png")
    timeline_chart(data, out / "timeline.png")
    if data.get("ceilings"):
        ceiling_chart(data["ceilings"], out / "ceilings.png")


def latency_chart(data: dict, path: Path) -> None:
    """Cumulative latency distribution per endpoint of the spec profile (and WebSocket delivery)."""
    samples = json.loads((path.parent / "samples-spec.json").read_text())["samples"]
    figure, axes = plt.subplots(figsize=(9, 5))
    for operation in sorted({s[1] for s in samples}):
        ms = np.sort([s[2] * 1000 for s in samples if s[1] == operation])
        axes.plot(ms, np.arange(1, len(ms) + 1) / len(ms), label=f"{operation} ({len(ms)})")
    deliveries = data["spec_profile"].get("websockets", {}).get("deliveries")
    if deliveries:
        ms = np.sort([latency * 1000 for _, latency in deliveries])
        axes.plot(ms, np.arange(1, len(ms) + 1) / len(ms), "k--", label=f"WebSocket delivery ({len(ms)})")
    axes.axvline(SPEC_P95_MS, color="red", linewidth=0.8, label="300 ms")
    axes.axhline(0.95, color="grey", linewidth=0.5)
    axes.set_xscale("log")
    axes.set_xlabel("latency (ms, from scheduled send; log scale)")
    axes.set_ylabel("fraction of requests")
    axes.set_title("Spec profile: latency distribution")
    axes.legend()
    figure.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(figure)


def timeline_chart(data: dict, path: Path) -> None:
    rows = data["spec_profile"]["http"]["timeline"]
    figure, (top, bottom) = plt.subplots(2, 1, figsize=(9, 6), sharex=True)
    top.plot([r["t"] for r in rows], [r["requests"] for r in rows], label="requests/s")
    top.plot([r["t"] for r in rows], [r["errors"] for r in rows], "r", label="errors/s")
    top.set_ylabel("per second")
    top.legend()
    bottom.plot([r["t"] for r in rows], [r["p95_ms"] for r in rows], label="p95 per second")
    deliveries = data["spec_profile"].get("websockets", {}).get("deliveries")
    if deliveries:
        start = json.loads((path.parent / "samples-spec.json").read_text())["start"]
        bottom.plot([at - start for at, _ in deliveries], [latency * 1000 for _, latency in deliveries], "k.", markersize=2, label="WebSocket deliveries")
    bottom.legend()
    bottom.axhline(SPEC_P95_MS, color="red", linewidth=0.8)
    bottom.set_yscale("log")
    bottom.set_ylabel("p95 latency (ms)")
    bottom.set_xlabel("seconds into the spec profile")
    top.set_title("Spec profile: timeline")
    figure.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(figure)


def ceiling_chart(ceilings: dict, path: Path) -> None:
    figure, axes = plt.subplots(figsize=(9, 5))
    for name in ("reads", "writes"):
        if name in ceilings:
            steps = ceilings[name]["steps"]
            axes.plot([s["offered_rate"] for s in steps], [s["all"].get("p95_ms") for s in steps], "o-", label=f"{name} p95")
    axes.axhline(SPEC_P95_MS, color="red", linewidth=0.8, label="300 ms")
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel("offered requests/s")
    axes.set_ylabel("p95 latency (ms)")
    axes.set_title("Ceilings: p95 latency against offered rate")
    axes.legend()
    figure.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(figure)


def summary(data: dict, out: Path) -> str:
    c = data["conditions"]
    http = data["spec_profile"]["http"]
    lines = [
        "",
        "=== Benchmark summary",
        f"MongoDB: {c['mongodb']}",
        f"Event API: {c['event_api']}; {c['cpus']} CPUs shared with the load generator; Python {c['python']}",
        f"Machine: {c['machine']['cpu_model']}; empty Python loop {c['machine']['python_loop_ns']} ns/iteration, "
        f"system call {c['machine']['syscall_ns']:g} ns (finding 17)",
        f"Data: {c['seeded_users']} users, {c['seeded_events']} seeded events; notifications: {c['notifications']}",
        f"Reads ceiling mix: {c.get('read_mix')}; lists' start_after: {c.get('list_start_after', 'instant')} "
        "(instant: never the same twice; day: a day's midnight, UTC)",
        f"Spec profile: {http['users']} users, {http['offered_rate']:g} req/s offered, {http['achieved_rate']:g} done, "
        f"{http['duration_s']:g} s, {http['requests']} requests, {http['errors']} errors; "
        f"load generator {http['load_generator_cpu']['cores_busy']} cores, lag p95 {http['generator_lag'].get('p95_ms')} ms",
        f"  system CPU (cores): {http['system_cpu_cores_busy']}",
        f"  {'endpoint':8s} {'count':>6s} {'p50 ms':>8s} {'p95 ms':>8s} {'p99 ms':>8s} {'errors':>6s}",
    ]
    for name, e in http["endpoints"].items():
        lines.append(f"  {name:8s} {e['count']:6d} {e.get('p50_ms', 0):8.1f} {e.get('p95_ms', 0):8.1f} {e.get('p99_ms', 0):8.1f} {e['errors']:6d}")
    sockets = data["spec_profile"].get("websockets")
    if sockets:
        lines.append(
            f"  WebSockets: {sockets['sockets']} open, {sockets['notifications_received']}/{sockets['notifications_expected']} "
            f"event.created received, delivery p50/p95/p99 {sockets['latency'].get('p50_ms')}/{sockets['latency'].get('p95_ms')}/{sockets['latency'].get('p99_ms')} ms"
        )
    else:
        lines.append(f"  WebSockets: {c['notifications']}")
    for name, ceiling in data.get("ceilings", {}).items():
        best = ceiling.get("max_rate", ceiling.get("max_sockets"))
        lines.append(f"Ceiling {name}: {best} ({ceiling['limit']}); steps: " + ", ".join(
            f"{s.get('offered_rate', s.get('target_sockets')):g}->{'ok' if s['passed'] else 'FAIL'}" for s in ceiling["steps"]
        ))
    lines.append("Checks:")
    lines += [f"  [{'x' if row['met'] else ' '}] {row['check']}: {row['measured']}" for row in data["checks"]]
    lines.append(f"Report: {out / 'report.json'} (charts: *.png); {c['total_seconds']} s in all")
    return "\n".join(lines)
