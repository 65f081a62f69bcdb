"""Seats under real concurrency: RSVPs and leaves racing through every event API worker, against one database."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import httpx

from .clients import register_and_log_in


def race(calls):
    """Run every call at the same moment, each on its own connection."""
    start = threading.Barrier(len(calls), timeout=60)

    def run(call):
        start.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def attendees(system, event_id, organiser) -> list[dict]:
    page = httpx.get(f"{system.event_api}/api/events/{event_id}/attendees/?page_size=200", headers=organiser.headers, timeout=10)
    assert page.status_code == 200, page.text
    return page.json()["results"]


def assert_seats(system, event_id, organiser, seats: int, total: int) -> list[dict]:
    rows = attendees(system, event_id, organiser)
    going = [r for r in rows if r["status"] == "going"]
    waiting = [r for r in rows if r["status"] == "waitlisted"]
    assert (len(going), len(waiting)) == (min(seats, total), total - min(seats, total))
    assert [r["position"] for r in waiting] == list(range(1, len(waiting) + 1))
    shown = httpx.get(f"{system.event_api}/api/events/{event_id}/", headers=organiser.headers, timeout=10).json()
    assert (shown["attendee_count"], shown["waitlist_count"]) == (len(going), len(waiting))
    return rows


def test_fifty_racing_rsvps_for_ten_seats_then_racing_leaves_and_joins(system):
    organiser = register_and_log_in(system.event_api, "seatkeeper")
    start = datetime.now(UTC) + timedelta(days=3)
    body = {
        "title": "Ten seats", "location": "Faro", "description": "",
        "start_time": start.isoformat().replace("+00:00", "Z"),
        "end_time": (start + timedelta(hours=2)).isoformat().replace("+00:00", "Z"), "max_attendees": 10,
    }
    event_id = httpx.post(f"{system.event_api}/api/events/", json=body, headers=organiser.headers, timeout=10).json()["id"]
    # One by one: the API answers concurrent password checks beyond its hashing slots with 503.
    guests = [register_and_log_in(system.event_api, f"rsvp{n}") for n in range(60)]
    url = f"{system.event_api}/api/events/{event_id}/attendance/"

    answers = race([lambda g=g: httpx.post(url, headers=g.headers, timeout=30) for g in guests[:50]])
    assert [a.status_code for a in answers] == [201] * 50, [a.text for a in answers if a.status_code != 201]
    states = [a.json() for a in answers]
    assert sum(s["status"] == "going" for s in states) == 10
    assert sorted(s["position"] for s in states if s["status"] == "waitlisted") == list(range(1, 41))
    assert_seats(system, event_id, organiser, 10, 50)

    # Six of the going and four of the waiting leave while ten newcomers join.
    going = [g for g, s in zip(guests, states, strict=False) if s["status"] == "going"]
    waiting = [g for g, s in zip(guests, states, strict=False) if s["status"] == "waitlisted"]
    calls = [lambda g=g: httpx.delete(url, headers=g.headers, timeout=30) for g in going[:6] + waiting[:4]]
    calls += [lambda g=g: httpx.post(url, headers=g.headers, timeout=30) for g in guests[50:]]
    assert sorted(a.status_code for a in race(calls)) == [201] * 10 + [204] * 10
    rows = assert_seats(system, event_id, organiser, 10, 50)
    left = {g.username for g in going[:6] + waiting[:4]}
    assert not left & {r["username"] for r in rows}
