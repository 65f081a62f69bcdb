"""What one index costs the database per create as data grows (finding 37, issue 22).

`python -m manage_scripts.bench.index_cost 0,10000,100000` starts a fresh Rust SecantusDB server per run
(`make secantus-rs` builds it), preloads that many event-shaped documents with the events collection's
indexes, then times 2,000 creates as the API makes them (event and outbox record in one transaction) and
prints the server's CPU per create, with and without the title-prefix multikey index. No Django: only the
database's share, which is what grows with data.
"""

import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psutil
from bson import ObjectId
from pymongo import MongoClient

SERVER = str(Path(__file__).resolve().parents[2] / "var" / "secantus-rs" / "bin" / "secantusd-rs")
WORDS = ["python", "meetup", "berlin", "conference", "jazz", "night", "market", "talks", "sprint", "summit", "lisbon", "porto"]

def prefixes(title: str) -> list[str]:
    out = {}
    for w in title.lower().split():
        for e in range(1, min(len(w), 30) + 1):
            out.setdefault(w[:e], None)
    return list(out)

def event(i, creators):
    title = f"{random.choice(WORDS)} {random.choice(WORDS)} {i}"
    start = datetime(2027, 1, 1, tzinfo=UTC) + timedelta(minutes=random.randint(0, 500000))
    return {"title": title, "title_prefixes": prefixes(title), "description": "x" * 80, "location": "Berlin",
            "start_time": start, "end_time": start + timedelta(hours=2), "created_by_id": random.choice(creators),
            "tags": random.sample(WORDS, 2), "max_attendees": None, "status": "scheduled", "attachment_url": "",
            "coordinates": None, "created_at": datetime.now(UTC), "updated_at": datetime.now(UTC)}

def run(preload, with_prefix_index, creates=2000):
    port = socket.socket(); port.bind(("127.0.0.1", 0)); p = port.getsockname()[1]; port.close()
    data = tempfile.mkdtemp()
    proc = subprocess.Popen([SERVER, "--host", "127.0.0.1", "--port", str(p), "--storage-path", data, "--log-level", "WARNING"], start_new_session=True)
    try:
        client = MongoClient(f"mongodb://127.0.0.1:{p}/?directConnection=true")
        for _ in range(100):
            try: client.admin.command("ping"); break
            except Exception: time.sleep(0.1)
        db = client.bench
        ev, out = db.events, db.outbox
        ev.create_index([("start_time", 1), ("_id", 1)])
        ev.create_index([("status", 1), ("start_time", 1), ("_id", 1)])
        ev.create_index([("created_by_id", 1), ("start_time", 1), ("_id", 1)])
        ev.create_index([("tags", 1), ("start_time", 1), ("_id", 1)])
        if with_prefix_index:
            ev.create_index([("title_prefixes", 1), ("start_time", 1), ("_id", 1)])
        ev.create_index([("coordinates", "2dsphere")], sparse=True)
        out.create_index([("message_id", 1)], unique=True)
        out.create_index([("status", 1), ("created_at", 1), ("_id", 1)])
        out.create_index([("sent_at", 1)])
        creators = [ObjectId() for _ in range(1000)]
        for start in range(0, preload, 1000):
            ev.insert_many([event(i, creators) for i in range(start, min(preload, start + 1000))], ordered=False)
        time.sleep(5)
        server = psutil.Process(proc.pid)
        before = server.cpu_times(); t0 = time.perf_counter()
        for i in range(creates):
            with client.start_session() as s:
                with s.start_transaction():
                    ev.insert_one(event(preload + i, creators), session=s)
                    out.insert_one({"message_id": str(uuid.uuid4()), "routing_key": "event.created", "body": {"a": 1},
                                    "status": "pending", "created_at": datetime.now(UTC), "sent_at": None, "traceparent": ""}, session=s)
        wall = time.perf_counter() - t0
        after = server.cpu_times()
        cpu = (after.user + after.system - before.user - before.system) / creates * 1000
        return cpu, wall / creates * 1000
    finally:
        proc.terminate(); proc.wait(15); shutil.rmtree(data, ignore_errors=True)

if __name__ == "__main__":
    for preload in map(int, sys.argv[1].split(",")):
        for idx in (True, False):
            cpu, wall = run(preload, idx)
            print(f"preload={preload:>6} prefix_index={idx!s:5}  server CPU {cpu:.3f} ms/create  wall {wall:.3f} ms/create", flush=True)
