"""The spec's data flow across real processes: REST write -> outbox -> RabbitMQ -> worker -> WebSocket.

Three users, their WebSockets open; the recipients rules walked step by step;
every payload checked field by field and every delivery within 1 second of
the API call returning; then the consumer worker is killed mid-stream and
restarted, and nothing may be lost or arrive twice.
"""

import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from .clients import PASSWORD, open_listener, register_and_log_in

DELIVERY_BUDGET = 1.0
QUIET_WAIT = 1.5


@pytest.fixture(scope="module")
def users(system):
    return {name: register_and_log_in(system.event_api, name) for name in ("alice", "bob", "carol")}


def event_body(title: str) -> dict:
    start = datetime.now(UTC) + timedelta(days=10)
    return {
        "title": title,
        "description": "system test",
        "location": "Lisbon",
        "start_time": start.isoformat().replace("+00:00", "Z"),
        "end_time": (start + timedelta(hours=2)).isoformat().replace("+00:00", "Z"),
    }


def assert_payload(received, *, kind: str, event_id: str, title: str, actor: str):
    payload = received.payload
    assert set(payload) <= {"type", "notification_type", "event", "user", "id"}
    assert payload["type"] == "notification"
    assert payload["notification_type"] == f"event.{kind}"
    assert set(payload["event"]) == {"id", "title", "action", "timestamp"}
    assert payload["event"]["id"] == event_id
    assert payload["event"]["title"] == title
    assert payload["event"]["action"] == kind
    datetime.fromisoformat(payload["event"]["timestamp"].replace("Z", "+00:00"))
    assert payload["user"] == actor


def expect_delivery(sockets, names, returned, **expected):
    """Each named socket gets exactly the expected notification within the budget."""
    for name in names:
        (got,) = sockets[name].notifications(1, timeout=5)
        assert_payload(got, **expected)
        assert got.at - returned < DELIVERY_BUDGET, f"{name}: {got.at - returned:.3f}s"


def test_recipients_rules_payloads_and_latency(system, users):
    alice, bob = users["alice"], users["bob"]
    sockets = {name: open_listener(system.websocket, user) for name, user in users.items()}
    try:
        # Created: everyone.
        response = httpx.post(f"{system.event_api}/api/events/", json=event_body("Launch"), headers=alice.headers)
        returned = time.monotonic()
        assert response.status_code == 201
        event_id = response.json()["id"]
        expect_delivery(sockets, users, returned, kind="created", event_id=event_id, title="Launch", actor="alice")

        # Bob subscribes; the update reaches the creator and the subscriber, not Carol.
        subscribed = httpx.post(f"{system.notifications}/api/events/{event_id}/subscription/", headers=bob.headers)
        assert subscribed.status_code == 201
        response = httpx.patch(
            f"{system.event_api}/api/events/{event_id}/", json={"title": "Launch party"}, headers=alice.headers
        )
        returned = time.monotonic()
        assert response.status_code == 200
        expect_delivery(sockets, ["alice", "bob"], returned, kind="updated", event_id=event_id, title="Launch party", actor="alice")
        assert sockets["carol"].notifications(1, timeout=QUIET_WAIT) == []

        # The delete likewise.
        response = httpx.delete(f"{system.event_api}/api/events/{event_id}/", headers=alice.headers)
        returned = time.monotonic()
        assert response.status_code == 204
        expect_delivery(sockets, ["alice", "bob"], returned, kind="deleted", event_id=event_id, title="Launch party", actor="alice")
        assert sockets["carol"].notifications(1, timeout=QUIET_WAIT) == []
    finally:
        for socket in sockets.values():
            socket.close()


def test_killing_the_consumer_mid_stream_loses_nothing_and_duplicates_nothing(system, users):
    alice = users["alice"]
    socket = open_listener(system.websocket, users["carol"])
    titles = [f"burst {n}" for n in range(12)]
    received = []
    try:
        for n, title in enumerate(titles):
            assert httpx.post(f"{system.event_api}/api/events/", json=event_body(title), headers=alice.headers).status_code == 201
            if n == 4:
                system.stop("consumer", kill=True)
        received += socket.notifications(len(titles), timeout=2)
        system.start("consumer")
        received += socket.notifications(len(titles) - len(received), timeout=20)
    finally:
        socket.close()

    # Anything pushed while the socket was connected but lost in the crash window is
    # recovered by reconnecting with `since`, as a browser client does.
    last_id = received[-1].payload["id"] if received else None
    catch_up = open_listener(system.websocket, users["carol"], since=last_id)
    try:
        missing = len(titles) - len(received)
        if missing > 0:
            received += catch_up.notifications(missing, timeout=5)
        assert catch_up.notifications(1, timeout=QUIET_WAIT) == []
    finally:
        catch_up.close()

    got_titles = [item.payload["event"]["title"] for item in received]
    assert sorted(got_titles) == sorted(titles), got_titles
    ids = [item.payload["id"] for item in received]
    assert len(ids) == len(set(ids))

    history = httpx.get(f"{system.notifications}/api/notifications/?page_size=100", headers=users["carol"].headers).json()
    burst = [item for item in history["results"] if item["event"]["title"].startswith("burst ")]
    assert sorted(item["event"]["title"] for item in burst) == sorted(titles)


def test_deleting_an_account_closes_its_sockets_and_the_notification_service_refuses_its_token(system, users):
    dave = register_and_log_in(system.event_api, "dave")
    socket = open_listener(system.websocket, dave)
    history = f"{system.notifications}/api/notifications/"
    try:
        assert httpx.get(history, headers=dave.headers).status_code == 200
        deleted = httpx.request(
            "DELETE", f"{system.event_api}/api/auth/me/", json={"password": PASSWORD}, headers=dave.headers, timeout=10
        )
        answered = time.monotonic()
        assert deleted.status_code == 204
        socket.thread.join(timeout=10)
        assert socket.closed_at is not None, "the socket stayed open"
        print(f"socket closed {socket.closed_at - answered:.3f} s after the delete was answered")
        assert socket.close_code == 4003
        assert socket.closed_at - answered < 5 * DELIVERY_BUDGET
        assert httpx.get(history, headers=dave.headers).status_code == 401
    finally:
        socket.close()
