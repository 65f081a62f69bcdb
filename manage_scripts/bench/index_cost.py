"""What the title index costs the database per create as data grows, and what it gives a search (findings 37, 38).

`python -m manage_scripts.bench.index_cost 0,10000,100000` starts a fresh Rust SecantusDB server per run
(`make secantus-rs` builds it), preloads that many event-shaped documents with the events collection's
indexes, then times 2,000 creates as the API makes them (event and outbox record in one transaction) and
prints the server's CPU per create, for each title layout:

- `words`: the title's words, indexed `(title_words, start_time, _id)`, searched with `$elemMatch` ranges
  (what the code does since decision 87);
- `prefixes`: every prefix of every word, indexed `(title_prefixes, start_time, _id)`, searched by equality
  (before it; finding 37's "with the index");
- `none`: the words stored, no title index (searches would scan; not timed).

Then, for the indexed layouts, `--searches` first pages of a title search as the API asks for them (sorted
by `(start_time, _id)`, limit 21), cycling through SEARCHES: wall time and server CPU per search, and each
term's wall time, and keys and documents examined and index used from `explain`. No Django: only the database's share.
"""

import argparse
import random
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psutil
from bson import ObjectId
from pymongo import MongoClient

from .machine import calibration

SERVER = str(Path(__file__).resolve().parents[2] / "var" / "secantus-rs" / "bin" / "secantusd-rs")
WORDS = [
    "python", "meetup", "berlin", "conference", "jazz", "night",
    "market", "talks", "sprint", "summit", "lisbon", "porto",
]
LAYOUTS = ("words", "prefixes", "none")
# Search terms as a user types them: a common word's prefix (about 1 title in 6), two words, a title number
# (a handful of titles), a prefix no title has.
SEARCHES = ["ber", "pyth", "jazz ni", "4242", "zzz"]
PAGE = 21  # the cursor paginator's default page size plus one


def title_words(title: str) -> list[str]:
    return list(dict.fromkeys(title.lower().split()))


def title_prefixes(title: str) -> list[str]:
    out: dict[str, None] = {}
    for word in title_words(title):
        for end in range(1, min(len(word), 30) + 1):
            out.setdefault(word[:end], None)
    return list(out)


def upper_bound(prefix: str) -> str:
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)  # ASCII terms only here; the code's own is prefix_upper_bound


def search_filter(layout: str, term: str) -> dict:
    words = title_words(term)
    if layout == "prefixes":
        clauses = [{"title_prefixes": word} for word in words]
    else:
        clauses = [{"title_words": {"$elemMatch": {"$gte": word, "$lt": upper_bound(word)}}} for word in words]
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def event(rng, i, creators, layout):
    title = f"{rng.choice(WORDS)} {rng.choice(WORDS)} {i}"
    start = datetime(2027, 1, 1, tzinfo=UTC) + timedelta(minutes=rng.randint(0, 500000))
    words = {"title_prefixes": title_prefixes(title)} if layout == "prefixes" else {"title_words": title_words(title)}
    return {"title": title, **words, "description": "x" * 80, "location": "Berlin",
            "start_time": start, "end_time": start + timedelta(hours=2), "created_by_id": rng.choice(creators),
            "tags": rng.sample(WORDS, 2), "max_attendees": None, "status": "scheduled", "attachment_url": "",
            "coordinates": None, "created_at": datetime.now(UTC), "updated_at": datetime.now(UTC)}


def cpu_seconds(process) -> float:
    times = process.cpu_times()
    return times.user + times.system


def run(preload: int, layout: str, *, creates: int = 2000, searches: int = 200) -> dict:
    probe = socket.socket(); probe.bind(("127.0.0.1", 0)); port = probe.getsockname()[1]; probe.close()
    data = tempfile.mkdtemp()
    proc = subprocess.Popen([SERVER, "--host", "127.0.0.1", "--port", str(port), "--storage-path", data,
                             "--log-level", "WARNING"], start_new_session=True)
    try:
        client = MongoClient(f"mongodb://127.0.0.1:{port}/?directConnection=true")
        for _ in range(100):
            try: client.admin.command("ping"); break
            except Exception: time.sleep(0.1)
        db = client.bench
        ev, out = db.events, db.outbox
        ev.create_index([("start_time", 1), ("_id", 1)])
        ev.create_index([("status", 1), ("start_time", 1), ("_id", 1)])
        ev.create_index([("created_by_id", 1), ("start_time", 1), ("_id", 1)])
        ev.create_index([("tags", 1), ("start_time", 1), ("_id", 1)])
        if layout != "none":
            ev.create_index([(f"title_{layout}", 1), ("start_time", 1), ("_id", 1)])
        ev.create_index([("coordinates", "2dsphere")], sparse=True)
        out.create_index([("message_id", 1)], unique=True)
        out.create_index([("status", 1), ("created_at", 1), ("_id", 1)])
        out.create_index([("sent_at", 1)])
        rng = random.Random(37)
        creators = [ObjectId() for _ in range(1000)]
        for start in range(0, preload, 1000):
            batch = [event(rng, i, creators, layout) for i in range(start, min(preload, start + 1000))]
            ev.insert_many(batch, ordered=False)
        time.sleep(5)
        server = psutil.Process(proc.pid)
        cpu0, t0 = cpu_seconds(server), time.perf_counter()
        for i in range(creates):
            with client.start_session() as s:
                with s.start_transaction():
                    ev.insert_one(event(rng, preload + i, creators, layout), session=s)
                    out.insert_one({"message_id": str(uuid.uuid4()), "routing_key": "event.created", "body": {"a": 1},
                                    "status": "pending", "created_at": datetime.now(UTC), "sent_at": None,
                                    "traceparent": ""}, session=s)
        result = {"create_cpu_ms": (cpu_seconds(server) - cpu0) / creates * 1000,
                  "create_wall_ms": (time.perf_counter() - t0) / creates * 1000}
        if layout != "none" and searches:
            result.update(search_cost(db, server, layout, searches))
        return result
    finally:
        proc.terminate(); proc.wait(15); shutil.rmtree(data, ignore_errors=True)


def search_cost(db, server, layout: str, searches: int) -> dict:
    sort = [("start_time", 1), ("_id", 1)]
    plans = {}
    for term in SEARCHES:
        explained = db.command("explain", {"find": "events", "filter": search_filter(layout, term), "sort": dict(sort),
                                           "limit": PAGE}, verbosity="executionStats")
        stats = explained["executionStats"]
        plans[term] = (stats["nReturned"], stats["totalKeysExamined"], stats["totalDocsExamined"],
                       index_used(explained["queryPlanner"]["winningPlan"]))
    walls = {term: 0.0 for term in SEARCHES}
    cpu0 = cpu_seconds(server)
    for n in range(searches):
        term = SEARCHES[n % len(SEARCHES)]
        t0 = time.perf_counter()
        list(db.events.find(search_filter(layout, term)).sort(sort).limit(PAGE))
        walls[term] += time.perf_counter() - t0
    per_term = {term: wall / (searches / len(SEARCHES)) * 1000 for term, wall in walls.items()}
    return {"search_wall_ms": sum(walls.values()) / searches * 1000,
            "search_cpu_ms": (cpu_seconds(server) - cpu0) / searches * 1000,
            "plans": {term: (*plans[term], per_term[term]) for term in SEARCHES}}


def index_used(plan: dict) -> str:
    """The index the winning plan scans, or COLLSCAN."""
    while plan:
        if plan.get("stage") == "IXSCAN":
            return plan["indexName"]
        if plan.get("stage") == "COLLSCAN":
            return "COLLSCAN"
        plan = plan.get("inputStage") or (plan.get("inputStages") or [None])[0]
    return "?"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("preloads", help="comma-separated numbers of events to preload, e.g. 0,10000,100000")
    parser.add_argument("--layouts", default=",".join(LAYOUTS), help=f"comma-separated, of {', '.join(LAYOUTS)}")
    parser.add_argument("--searches", type=int, default=200, help="searches timed per indexed layout (0: none)")
    args = parser.parse_args()
    print(f"machine: {calibration()}; server {SERVER}", flush=True)
    for preload in map(int, args.preloads.split(",")):
        for layout in args.layouts.split(","):
            r = run(preload, layout, searches=args.searches)
            line = (f"preload={preload:>6} layout={layout:8}  server CPU {r['create_cpu_ms']:.3f} ms/create"
                    f"  wall {r['create_wall_ms']:.3f} ms/create")
            if "plans" in r:
                line += f"  search: wall {r['search_wall_ms']:.2f} ms, server CPU {r['search_cpu_ms']:.2f} ms"
                terms = (f"{term!r}: {wall:.1f} ms, {n} returned, {keys} keys, {docs} docs, {index}"
                         for term, (n, keys, docs, index, wall) in r["plans"].items())
                line += "  [" + "; ".join(terms) + "]"
            print(line, flush=True)


if __name__ == "__main__":
    main()
