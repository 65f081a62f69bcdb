"""`make bench ARGS=--writes-only`: the write -> notification pipeline alone, figures comparable across implementations.

1. Burst: `--write-connections` (64) clients create events back to back for
   `--write-seconds` (20) with `--burst-sockets` (10) WebSockets open; creates/s,
   create latency, and how long after the burst every socket had every
   notification (catch-up).
2. Fixed rate: `--fixed-rate` (100) creates/s for `--fixed-seconds` (60) with
   `--fixed-sockets` (50) open; create latency and commit-to-socket delivery.
3. For each phase, server CPU per create for each process, from the phase's start
   until the last notification reached every socket; "pipeline" leaves out the
   notification node, whose CPU is the pushes to sockets.
4. The databases' sizes before and after; `--preload-events` and
   `--preload-notifications` make them large first (events through the seed,
   notifications and their registry entries inserted directly).
5. `GET /api/notifications/counts/` read back to back after the phases: the
   badge's cost with the history as large as the run left it (counts are kept,
   so it should not grow with the history).
"""

import random
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pymongo
from bson import Int64, ObjectId

from .sockets import Fleet
from .stages import Stage, percentiles, run_stage, settle

CREATE_ONLY = {"create": 1.0}
MAIN_COLLECTIONS = ("events_event", "outbox_outboxmessage", "notifications_notification", "registry_knownevent")


def preload_notifications(uri: str, db_name: str, event_ids: list[str], user_ids: list[str], count: int) -> None:
    """`count` notifications of seeded events (80 % broadcasts, the rest to a few users) and a registry entry
    per event, shaped as the notification service stores them, with the sequence counter moved past them."""
    client = pymongo.MongoClient(uri)
    database = client[db_name]
    rng = random.Random(22)
    now = datetime.now(UTC)
    known = [
        {"_id": ObjectId(), "event_id": event_id, "title": f"Preloaded {event_id[-6:]}", "creator_id": rng.choice(user_ids),
         "creator_username": "bench_preload", "deleted": False, "last_message_at": now - timedelta(days=1)}
        for event_id in event_ids
    ]
    for start in range(0, len(known), 10_000):
        database["registry_knownevent"].insert_many(known[start:start + 10_000], ordered=False)
    batch = []
    for seq in range(1, count + 1):
        broadcast = rng.random() < 0.8
        event_id = rng.choice(event_ids)
        batch.append({
            "_id": ObjectId(), "message_id": str(uuid.uuid4()), "seq": Int64(seq),
            "notification_type": "event.created" if broadcast else "event.updated",
            "action": "created" if broadcast else "updated", "event_id": event_id, "event_title": "Preloaded",
            "occurred_at": now - timedelta(seconds=count - seq), "actor_id": rng.choice(user_ids),
            "actor_username": "bench_preload", "broadcast": broadcast,
            "recipients": [] if broadcast else sorted(rng.sample(user_ids, 3)), "created_at": now,
        })
        if len(batch) == 10_000:
            database["notifications_notification"].insert_many(batch, ordered=False)
            batch = []
    if batch:
        database["notifications_notification"].insert_many(batch, ordered=False)
    database["notifications_sequence"].update_one({"name": "notifications"}, {"$set": {"value": Int64(count)}}, upsert=True)
    client.close()


def database_sizes(uri: str, names: list[str]) -> dict:
    client = pymongo.MongoClient(uri)
    try:
        sizes = {}
        for name in names:
            database = client[name]
            sizes[name] = {
                collection: database[collection].estimated_document_count()
                for collection in sorted(database.list_collection_names()) if not collection.startswith("system.")
            }
            stats = database.command("dbStats")
            sizes[name]["dataSize_bytes"] = stats.get("dataSize")
        return sizes
    finally:
        client.close()


async def phase(name: str, stage: Stage, *, fleet: Fleet, system, seed_path: Path, out: Path, profile: bool = False) -> dict:
    """Run a create-only stage with `fleet` open; CPU per create until every socket had every notification."""
    await settle(system)
    before = system.cpu_seconds()
    stage = await run_stage(stage, seed=seed_path, host=system.event_api, work_dir=out, system=system, drain=10, profile=profile)
    created = [(s[5], s[0] + s[2]) for s in stage.samples if s[1] == "create" and s[3] == "ok"]
    ended = max((returned for _, returned in created), default=time.time())  # the last create's answer
    keys = [("event.created", event_id) for event_id, _ in created]
    await fleet.wait_for(keys, len(fleet), timeout=120)
    after = system.cpu_seconds()
    receipts = [(at, at - returned) for event_id, returned in created for at in fleet.receipts[("event.created", event_id)]]
    expected = len(created) * len(fleet)
    per_process = {process: round(1000 * (after[process] - before.get(process, 0)) / max(1, len(created)), 2) for process in after}
    http = {key: value for key, value in stage.summary.items() if key != "timeline"}
    result = {
        "creates": len(created), "creates_per_second": http["achieved_rate"], "http": http,
        "sockets": len(fleet), "socket_connect_failures": len(fleet.connect_failures), "notifications_expected": expected, "notifications_received": len(receipts),
        "lost": expected - len(receipts), "delivery": percentiles([latency for _, latency in receipts]),
        "caught_up_seconds_after_end": round(max((at for at, _ in receipts), default=ended) - ended, 2),
        "cpu_ms_per_create": per_process,
        "cpu_ms_per_create_all": round(sum(per_process.values()), 2),
        "cpu_ms_per_create_pipeline": round(sum(v for k, v in per_process.items() if not k.startswith("notifications")), 2),
    }
    print(f"  {name}: {len(created)} creates, {result['creates_per_second']}/s, p95 {http['all'].get('p95_ms')} ms, errors {http['errors']}; "
          f"{len(fleet)} sockets ({len(fleet.connect_failures)} failed to connect) got {len(receipts)}/{expected}, delivery p50/p99 {result['delivery'].get('p50_ms')}/{result['delivery'].get('p99_ms')} ms, "
          f"caught up {result['caught_up_seconds_after_end']} s after the end", flush=True)
    print(f"    CPU ms per create: {per_process} (all {result['cpu_ms_per_create_all']}, "
          f"without the notification node {result['cpu_ms_per_create_pipeline']})", flush=True)
    return result


async def counts_reads(system, tokens: list[str], reads: int = 300) -> dict:
    """Latency of `reads` sequential counts reads, each by the next seeded user, after a few to warm up."""
    latencies = []
    async with httpx.AsyncClient(base_url=system.notification_api, timeout=10) as client:
        for n in range(reads + 20):
            started = time.perf_counter()
            response = await client.get("/api/notifications/counts/", headers={"Authorization": f"Bearer {tokens[n % len(tokens)]}"})
            response.raise_for_status()
            if n >= 20:
                latencies.append(time.perf_counter() - started)
    result = percentiles(latencies)
    print(f"  counts reads: {result['count']} one after another, p50/p95 {result['p50_ms']}/{result['p95_ms']} ms", flush=True)
    return result


async def run(args, system, seed_path: Path, tokens: list[str], out: Path) -> dict:
    databases = [system.env["EVENT_DB_NAME"], system.env["NOTIFICATION_DB_NAME"]]
    results = {"sizes_before": database_sizes(system.env["MONGODB_URI"], databases)}
    await settle(system)  # a preload leaves the database busy for a while
    fleet = Fleet(system.websocket, tokens)
    await fleet.grow(args.burst_sockets)
    print(f"Writes: burst of {args.write_connections} connections for {args.write_seconds:g} s with {len(fleet)} sockets", flush=True)
    burst = Stage("writes-burst", 0, args.write_connections, args.write_seconds, CREATE_ONLY, closed=True)
    results["burst"] = await phase("burst", burst, fleet=fleet, system=system, seed_path=seed_path, out=out, profile=args.profile)
    await fleet.grow(args.fixed_sockets)
    print(f"Writes: {args.fixed_rate:g} creates/s for {args.fixed_seconds:g} s with {len(fleet)} sockets", flush=True)
    fixed = Stage("writes-fixed", args.fixed_rate, int(max(10, args.fixed_rate)), args.fixed_seconds, CREATE_ONLY)
    results["fixed"] = await phase("fixed", fixed, fleet=fleet, system=system, seed_path=seed_path, out=out, profile=args.profile)
    await fleet.close()
    results["counts_reads"] = await counts_reads(system, tokens)
    results["sizes_after"] = database_sizes(system.env["MONGODB_URI"], databases)
    for name, sizes in results["sizes_after"].items():
        shown = {key: value for key, value in sizes.items() if key in MAIN_COLLECTIONS}
        print(f"  {name}: {shown}, {sizes['dataSize_bytes'] / 1e6:.1f} MB of data", flush=True)
    return results
