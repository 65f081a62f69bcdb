"""`make bench`: the spec's load profile, then the ceilings, against the system in production configuration.

1. Starts MongoDB (a fresh embedded SecantusDB unless MONGODB_URI is set),
   checks RabbitMQ, starts every process of the system on free ports with
   production settings, and seeds users, events and access tokens.
2. Spec profile: `--users` simulated users offering `--rate` requests/s in a
   realistic mix (list with filters, detail, create at 50/min, update,
   delete) for `--duration` seconds, with `--sockets` WebSockets open that
   time every `event.created` notification.
3. Ceilings: reads/s and writes/s stepped up until p95 >= 300 ms or errors;
   WebSockets on one node stepped up until delivery p99 >= 1 s, with the
   fan-out time to N sockets at each step.
4. Writes report.json and PNG charts under bench-results/<time>/ and prints a summary.

`--smoke` is a ~20-second miniature of all of it (the test suite runs it).
`--writes-only` measures the write -> notification pipeline instead (see writes.py).
"""

import argparse
import asyncio
import json
import os
import platform
import resource
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

from ..embedded_mongo import REPO_ROOT, mongodb
from ..rabbitmq import ensure_rabbitmq
from ..system import EVENT_PROJECT, event_api_server, event_api_threads, event_api_workers
from . import create_instructions, report, writes
from .machine import calibration
from .sockets import Fleet, create_event
from .stages import Stage, percentiles, run_stage, settle
from .system import BenchSystem, notifications_available

# Shares of the spec profile's requests; at 100 req/s `create` is 50 per minute.
PROFILE_MIX = {"list": 0.55, "detail": 0.3837, "update": 0.05, "delete": 0.0080, "create": 0.00833}
WRITE_MIX = {"create": 0.4, "update": 0.4, "delete": 0.2}
P95_LIMIT_MS = 300
DELIVERY_P99_LIMIT_MS = 1000


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="make bench", description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="a ~20-second miniature run (used by the tests)")
    parser.add_argument("--users", type=int, default=1000, help="simulated users of the spec profile")
    parser.add_argument("--rate", type=float, default=100, help="requests/s of the spec profile")
    parser.add_argument("--duration", type=float, default=60, help="seconds of the spec profile")
    parser.add_argument("--creates-per-minute", type=float, default=50, help="event creations in the spec profile")
    parser.add_argument("--sockets", type=int, default=500, help="WebSockets open during the spec profile")
    parser.add_argument("--step-seconds", type=float, default=15, help="measured seconds per ceiling step")
    parser.add_argument("--warmup-seconds", type=float, default=5,
                        help="seconds of each ceiling step before its measurement (connections, caches); its errors still fail the step")
    parser.add_argument("--read-steps", default="100,200,400,600,800,1000,1400,2000,2800,4000", help="reads/s to try")
    parser.add_argument("--write-steps", default="10,20,40,80,160,320", help="writes/s to try")
    parser.add_argument("--socket-steps", default="500,1000,2000,5000,10000", help="WebSocket counts to try")
    parser.add_argument("--no-ceilings", action="store_true", help="run the spec profile only")
    parser.add_argument("--no-notifications", action="store_true", help="leave the notification service out")
    parser.add_argument("--events-per-user", type=int, default=3, help="seeded events per user")
    parser.add_argument("--profile", action="store_true", help="py-spy flame graphs of the event API's CPU (GIL holders), one per stage")
    parser.add_argument("--read-mix", default="list=0.6,detail=0.4", help="mix of the reads ceiling")
    parser.add_argument("--start-after", choices=["instant", "day"], default="instant",
                        help="lists' start_after=: a new instant every time (default), or a day's midnight (a diagnostic)")
    parser.add_argument("--out", type=Path, help="result directory (default bench-results/<time>)")
    parser.add_argument("--create-instructions", action="store_true",
                        help="only the event API's instructions per create, in-process under callgrind (see create_instructions.py)")
    group = parser.add_argument_group("writes only (--writes-only)")
    group.add_argument("--writes-only", action="store_true", help="only the write -> notification pipeline (burst, then a fixed rate)")
    group.add_argument("--write-connections", type=int, default=64, help="clients creating back to back in the burst")
    group.add_argument("--write-seconds", type=float, default=20, help="seconds of the burst")
    group.add_argument("--burst-sockets", type=int, default=10, help="WebSockets open during the burst")
    group.add_argument("--fixed-rate", type=float, default=100, help="creates/s of the fixed-rate phase")
    group.add_argument("--fixed-seconds", type=float, default=60, help="seconds of the fixed-rate phase")
    group.add_argument("--fixed-sockets", type=int, default=50, help="WebSockets open during the fixed-rate phase")
    group.add_argument("--preload-notifications", type=int, default=0,
                       help="notifications stored before the run (preload events with --events-per-user)")
    args = parser.parse_args(argv)
    if args.smoke and args.writes_only:
        args.users, args.write_connections, args.write_seconds, args.burst_sockets = 40, 8, 3, 3
        args.fixed_rate, args.fixed_seconds, args.fixed_sockets = 10, 3, 5
    elif args.smoke:
        args.users, args.rate, args.duration, args.sockets, args.step_seconds, args.warmup_seconds = 40, 20, 6, 20, 3, 1
        args.read_steps, args.write_steps, args.socket_steps = "20", "5", "20"
    return args


def steps(text: str) -> list[float]:
    return [float(value) for value in text.split(",") if value]


def describe_mongodb(uri: str, embedded: bool) -> str:
    import pymongo

    client = pymongo.MongoClient(uri, serverSelectionTimeoutMS=5000)
    try:
        info = client.admin.command("buildInfo")
    finally:
        client.close()
    if embedded and info.get("buildEnvironment", {}).get("cc") == "rustc":
        return f"SecantusDB {info.get('secantusVersion')} (Rust server secantusd-rs, embedded; wire version {info.get('version')})"
    if embedded:
        from importlib.metadata import version

        return f"SecantusDB {version('SecantusDB')} (Python server, embedded; wire version {info.get('version')})"
    return f"{uri.split('@')[-1].split('/')[0]}: {info.get('version')} ({info.get('gitVersion', 'no gitVersion')})"


def seed(system: BenchSystem, out: Path, users: int, events_per_user: int) -> Path:
    path = out / "seed.json"
    subprocess.run(
        [sys.executable, str(Path(__file__).with_name("seed.py")), str(path), "--users", str(users), "--events-per-user", str(events_per_user)],
        cwd=EVENT_PROJECT, env=system.env, check=True, stdout=subprocess.DEVNULL,
    )
    return path


def delivery(fleet: Fleet, created: list[tuple[str, float]]) -> dict:
    """event.created deliveries to every open socket: expected vs received, latency from API return."""
    latencies = [at - returned for event_id, returned in created for at in fleet.receipts[("event.created", event_id)]]
    expected = len(created) * len(fleet)
    return {
        "sockets": len(fleet), "notifications_expected": expected, "notifications_received": len(latencies),
        "lost": expected - len(latencies), "latency": percentiles(latencies),
        "other_notifications": {f"{kind}": len(times) for (kind, _), times in fleet.receipts.items() if kind != "event.created"},
        "sockets_closed_by_server": fleet.closed_early, "connect_failures": len(fleet.connect_failures),
        "connect_failure_examples": sorted(set(fleet.connect_failures))[:3],
    }


async def spec_profile(args, system, seed_path, tokens, out) -> dict:
    fleet = None
    if system.notifications:
        fleet = Fleet(system.websocket, tokens)
        await fleet.grow(args.sockets)
    # Creations keep their own rate (50/min by default) whatever the total rate is.
    mix = {**PROFILE_MIX, "create": min(0.5, args.creates_per_minute / 60 / args.rate)}
    if args.smoke:  # ~120 requests: each kind at least 10 % of them, so each one turns up (5 % missed updates once)
        mix = {"list": 0.40, "detail": 0.30, "update": 0.10, "delete": 0.10, "create": 0.10}
    stage = await run_stage(
        Stage("spec", args.rate, args.users, args.duration, mix, start_after=args.start_after), seed=seed_path, host=system.event_api, work_dir=out, system=system, profile=args.profile
    )
    result = {"http": stage.summary}
    if fleet is not None:
        created = [(s[5], s[0] + s[2]) for s in stage.samples if s[1] == "create" and s[3] == "ok"]
        await fleet.wait_for([("event.created", event_id) for event_id, _ in created], len(fleet), timeout=5)
        result["websockets"] = delivery(fleet, created)
        # [API return time, delivery latency] of each receipt, for the charts.
        result["websockets"]["deliveries"] = [
            [round(returned, 3), round(at - returned, 4)] for event_id, returned in created for at in fleet.receipts[("event.created", event_id)]
        ]
        await fleet.close()
    return result


async def http_ceiling(name, rates, mix, args, system, seed_path, out) -> dict:
    results, best = [], None
    for rate in rates:
        users = int(min(200, max(10, rate)))
        stage = Stage(f"{name}-{int(rate)}", rate, users, args.step_seconds, mix, warmup=args.warmup_seconds, start_after=args.start_after)
        stage = await run_stage(stage, seed=seed_path, host=system.event_api, work_dir=out, system=system, drain=5, profile=args.profile)
        summary = {key: value for key, value in stage.summary.items() if key != "timeline"}
        warmup_errors = stage.summary.get("warmup", {}).get("errors", 0)
        passed = stage.summary["all"].get("p95_ms", 1e9) < P95_LIMIT_MS and stage.summary["errors"] == 0 and warmup_errors == 0
        results.append({**summary, "passed": passed})
        print(f"  {name:7s} {rate:7.0f}/s offered, {summary['achieved_rate']:7.1f}/s done, p95 {summary['all'].get('p95_ms')} ms, errors {summary['errors']} "
              f"(warm-up p95 {summary.get('warmup', {}).get('all', {}).get('p95_ms')} ms, errors {warmup_errors}): {'ok' if passed else 'over the limit'}", flush=True)
        if not passed:
            break
        best = rate
    return {"limit": f"p95 < {P95_LIMIT_MS} ms, no errors", "max_rate": best, "steps": results}


async def socket_ceiling(args, system, tokens) -> dict:
    await settle(system)
    fleet, results, best = Fleet(system.websocket, tokens), [], None
    async with httpx.AsyncClient(base_url=system.event_api, timeout=30) as client:
        for size in steps(args.socket_steps):
            connect_seconds = await fleet.grow(int(size))
            created = []
            system_before, fleet_before = system.cpu_seconds(), time.process_time()
            for probe in range(3):
                created.append(await create_event(client, tokens[probe], f"Fan-out probe {int(size)} {probe}"))
                await fleet.wait_for([("event.created", created[-1][0])], len(fleet), timeout=10)
            system_after, fleet_after = system.cpu_seconds(), time.process_time()
            result = delivery(fleet, created)
            result["connect_seconds"] = round(connect_seconds, 1)
            # Who pays for a fan-out: the notification node(s) sending, or this process's socket fleet receiving.
            result["cpu_ms_per_delivery"] = {
                "notifications": round(1000 * (system_after.get("notifications", 0) - system_before.get("notifications", 0)) / max(1, 3 * len(fleet)), 3),
                "socket_fleet": round(1000 * (fleet_after - fleet_before) / max(1, 3 * len(fleet)), 3),
            }
            result["fanout_seconds"] = [
                round(max(fleet.receipts[("event.created", event_id)], default=float("nan")) - returned, 3) for event_id, returned in created
            ]
            passed = result["lost"] == 0 and result["connect_failures"] == 0 and result["latency"].get("p99_ms", 1e9) < DELIVERY_P99_LIMIT_MS
            results.append({**result, "target_sockets": int(size), "passed": passed})
            print(f"  sockets {len(fleet):6d} open, delivery p99 {result['latency'].get('p99_ms')} ms, fan-out {result['fanout_seconds']} s, "
                  f"lost {result['lost']}, CPU ms per delivery {result['cpu_ms_per_delivery']}", flush=True)
            if not passed:
                break
            best = int(size)
    await fleet.close()
    return {"limit": f"delivery p99 < {DELIVERY_P99_LIMIT_MS} ms, none lost", "max_sockets": best, "steps": results}


async def run(args, system: BenchSystem, seed_path: Path, out: Path) -> dict:
    tokens = [user["token"] for user in json.loads(seed_path.read_text())["users"]]
    print(f"Spec profile: {args.users} users, {args.rate:g} req/s, {args.duration:g} s, "
          f"{args.sockets if system.notifications else 0} WebSockets", flush=True)
    results = {"spec_profile": await spec_profile(args, system, seed_path, tokens, out)}
    if args.no_ceilings:
        return results
    print("Ceilings:", flush=True)
    read_mix = {name: float(share) for name, share in (item.split("=") for item in args.read_mix.split(","))}
    ceilings = {
        "reads": await http_ceiling("reads", steps(args.read_steps), read_mix, args, system, seed_path, out),
        "writes": await http_ceiling("writes", steps(args.write_steps), WRITE_MIX, args, system, seed_path, out),
    }
    if system.notifications:
        ceilings["websockets"] = await socket_ceiling(args, system, tokens)
    results["ceilings"] = ceilings
    return results


def writes_only(args, system: BenchSystem, seed_path: Path, out: Path, uri: str) -> dict:
    if not system.notifications:
        raise SystemExit("--writes-only needs the notification service")
    seeded = json.loads(seed_path.read_text())["users"]
    if args.preload_notifications:
        event_ids = [event_id for user in seeded for event_id in user["events"]]
        writes.preload_notifications(uri, system.env["NOTIFICATION_DB_NAME"], event_ids, [user["id"] for user in seeded], args.preload_notifications)
        print(f"Preloaded {args.preload_notifications} notifications", flush=True)
    return asyncio.run(writes.run(args, system, seed_path, [user["token"] for user in seeded], out))


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop the system on `kill` too
    out = args.out or REPO_ROOT / "bench-results" / datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    (out / "logs").mkdir(parents=True, exist_ok=True)
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # thousands of sockets, inherited by the system
    notifications = notifications_available() and not args.no_notifications
    if args.create_instructions:
        print(f"Event API create: {create_instructions.count():.3f} M instructions (callgrind, in-process, {calibration()['cpu_model']})")
        return 0
    ensure_rabbitmq()
    started = time.monotonic()
    with mongodb() as uri:
        embedded = not os.environ.get("MONGODB_URI")
        conditions = {
            "mongodb": describe_mongodb(uri, embedded),
            "event_api": f"{event_api_server()}, {event_api_workers()} workers x {event_api_threads()} threads",
            "cpus": os.cpu_count(), "machine": calibration(), "python": platform.python_version(), "smoke": args.smoke,
            "seeded_users": args.users, "seeded_events": args.users * args.events_per_user,
            "read_mix": args.read_mix, "list_start_after": args.start_after,
            "notifications": "available" if notifications else (
                "not available: notification_project/manage.py does not exist" if not notifications_available() else "left out (--no-notifications)"
            ),
        }
        print(f"MongoDB: {conditions['mongodb']}", flush=True)
        system = BenchSystem(out / "logs", uri, notifications=notifications)
        try:
            system.start_all()
            print(f"System up in {time.monotonic() - started:.0f} s: event API {system.event_api}", flush=True)
            seed_path = seed(system, out, args.users, args.events_per_user)
            print(f"Seeded after {time.monotonic() - started:.0f} s", flush=True)
            if args.writes_only:
                results = {"writes": writes_only(args, system, seed_path, out, uri)}
            else:
                results = asyncio.run(run(args, system, seed_path, out))
            system.check_alive()
        finally:
            system.stop_all()
    conditions["total_seconds"] = round(time.monotonic() - started, 1)
    if args.writes_only:
        (out / "report.json").write_text(json.dumps({"conditions": conditions, **results}, indent=2))
        print(f"Report: {out / 'report.json'}", flush=True)
        return 0
    data = {"conditions": conditions, **results}
    data["checks"] = report.checks(data)
    report.write(data, out)
    print(report.summary(data, out), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
