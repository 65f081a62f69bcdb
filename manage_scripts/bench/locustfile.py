"""HTTP load for one benchmark stage, run by locust: an open model at a constant arrival rate.

Each simulated user holds its own access token and fires requests on a fixed
schedule (rate / users per second, random phase). A request is started in its
own greenlet at its scheduled time whether or not earlier ones have answered,
and latency is measured from the scheduled time, so slow responses cannot
lower the offered load and hide tail latency (coordinated omission). When the
generator itself falls behind, the lag shows in the samples.

A `closed` stage is the other model: each user sends its next request when the
last one answered (N users = N connections), for a system's maximum rate.

Configured by BENCH_STAGE, the path of a JSON file: seed (the seed file),
rate, users, duration, mix ({operation: weight}), samples (output path), closed.
"""

import json
import os
import random
import time
from datetime import UTC, datetime, timedelta
from itertools import count

import gevent
from locust import FastHttpUser, events, task
from locust.exception import StopUser

STAGE = json.load(open(os.environ["BENCH_STAGE"]))
SEED = json.load(open(STAGE["seed"]))
USERS = SEED["users"]
# Each seeded user's first event is only read and updated, never deleted, so reads never 404.
STABLE_EVENTS = [user["events"][0] for user in USERS]
SAMPLES: list[list] = []  # [scheduled_at, operation, latency_s, outcome, lag_s, created or deleted event id]
FIRED = [0]  # requests started; those without a sample never finished
PENDING = [0]  # requests in flight
START = time.time() + STAGE.get("spawn_seconds", 1.0)  # every user's schedule starts here
STOP = START + STAGE["duration"]
_user_numbers = count()


def _future(days: float) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


def _start_after() -> str:
    """A time 30-300 days ahead: a new instant each time (the default), or its day's midnight (UTC), as a
    date picker would send (`--start-after day`)."""
    moment = datetime.now(UTC) + timedelta(days=random.uniform(30, 300))
    if STAGE.get("start_after") == "day":
        moment = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    return moment.isoformat().replace("+00:00", "Z")


def _list_query() -> str:
    city, lon, lat = random.choice(SEED["cities"])
    return random.choice(
        [
            "",
            "?status=scheduled",
            f"?tag={random.choice(SEED['tags'])}",
            f"?search={city.lower()[:4]}",
            "?mine=true",
            f"?near={lon},{lat}&radius=20000&tag={random.choice(SEED['tags'])}",
            f"?start_after={_start_after()}",
        ]
    )


class ApiUser(FastHttpUser):
    """One person with a token, acting on a schedule."""

    network_timeout = connection_timeout = 8.0

    def on_start(self):
        self.me = USERS[next(_user_numbers) % len(USERS)]
        self.headers = {"Authorization": f"Bearer {self.me['token']}"}
        deleted = set(STAGE.get("deleted", ()))  # by earlier stages
        self.deletable = [event_id for event_id in self.me["events"][1:] if event_id not in deleted]
        self.operations, self.weights = zip(*STAGE["mix"].items(), strict=True)

    @task
    def drive(self):
        if STAGE.get("closed"):
            self.drive_closed()
        interval = STAGE["users"] / STAGE["rate"]
        scheduled = START + random.uniform(0, interval)
        while scheduled < STOP:
            delay = scheduled - time.time()
            if delay > 0:
                gevent.sleep(delay)
            operation = random.choices(self.operations, self.weights)[0]
            FIRED[0] += 1
            PENDING[0] += 1
            gevent.spawn(self.request, operation, scheduled)
            scheduled += interval
        gevent.sleep(STOP - time.time() + STAGE.get("drain_seconds", 10) + 60)  # until `finish` quits
        raise StopUser()

    def drive_closed(self):
        """A closed loop (`closed` stages): each user sends its next request as soon as the last one answered."""
        gevent.sleep(max(0.0, START - time.time()))
        while time.time() < STOP:
            FIRED[0] += 1
            PENDING[0] += 1
            self.request(random.choices(self.operations, self.weights)[0], time.time())
        gevent.sleep(STOP - time.time() + STAGE.get("drain_seconds", 10) + 60)  # until `finish` quits
        raise StopUser()

    def request(self, operation: str, scheduled: float) -> None:
        started = time.time()
        operation, method, path, body, expect = self.plan(operation)
        event_id = path.split("/")[3] if operation == "delete" else None
        try:
            with self.client.request(method, path, headers=self.headers, json=body, name=operation, catch_response=True) as response:
                status = response.status_code or 0
                if status == expect and operation == "create":
                    event_id = response.json()["id"]
                response.success()
        except Exception as exc:  # noqa: BLE001 - every failure is a sample, never a crash
            status = f"{type(exc).__name__}"
        PENDING[0] -= 1
        outcome = "ok" if status == expect else f"{status} (expected {expect})"
        SAMPLES.append([scheduled, operation, time.time() - scheduled, outcome, started - scheduled, event_id])

    def plan(self, operation: str) -> tuple[str, str, str, dict | None, int]:
        """(operation, method, path, body, expected status); a user with nothing left to delete updates."""
        if operation == "delete" and not self.deletable:
            operation = "update"
        return (operation, *getattr(self, f"plan_{operation}")())

    def plan_list(self):
        return "GET", f"/api/events/{_list_query()}", None, 200

    def plan_detail(self):
        return "GET", f"/api/events/{random.choice(STABLE_EVENTS)}/", None, 200

    def plan_create(self):
        start = _future(random.uniform(1, 300))
        body = {
            "title": f"Bench {random.choice(SEED['words'])} {random.randrange(10_000)}",
            "description": "Created by the benchmark.", "location": random.choice(SEED["cities"])[0],
            "start_time": start, "end_time": (datetime.fromisoformat(start) + timedelta(hours=2)).isoformat(),
            "tags": random.sample(SEED["tags"], 2),
        }
        return "POST", "/api/events/", body, 201

    def plan_update(self):
        body = {"description": f"Updated by the benchmark at {time.time():.3f}.", "max_attendees": random.randrange(1, 500)}
        return "PATCH", f"/api/events/{self.me['events'][0]}/", body, 200

    def plan_delete(self):
        return "DELETE", f"/api/events/{self.deletable.pop()}/", None, 204


@events.test_start.add_listener
def start_finisher(environment, **kwargs):
    gevent.spawn(finish, environment)


def finish(environment) -> None:
    """End the stage once the schedule is over and nothing is in flight (or the drain time is up).

    One greenlet quits for everyone: users quitting one by one stop each other quadratically.
    """
    gevent.sleep(max(0.0, STOP - time.time()))
    deadline = time.time() + STAGE.get("drain_seconds", 10)
    while PENDING[0] and time.time() < deadline:
        gevent.sleep(0.05)
    environment.runner.quit()


@events.quitting.add_listener
def write_samples(environment, **kwargs):
    with open(STAGE["samples"], "w") as file:
        json.dump({"start": START, "stop": STOP, "fired": FIRED[0], "samples": SAMPLES}, file)
