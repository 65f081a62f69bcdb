"""The inbox on open sockets: counts after connecting and on every change, preferences taking effect live."""

import pytest
from bson import ObjectId
from channels.db import database_sync_to_async

from .helpers import connect, event_message, next_frame, notifications, open_socket, quiet

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("worker")]


async def rest(method: str, path: str, person, body: dict | None = None):
    from rest_framework.test import APIClient

    def call():
        response = getattr(APIClient(), method)(path, body, format="json", **person.auth)
        assert response.status_code < 300, response.json()
        return response.json() if response.content else None

    return await database_sync_to_async(call)()


async def next_counts(socket, timeout: float = 5.0) -> dict:
    while True:
        frame = await socket.receive_json_from(timeout=timeout)
        if frame["type"] == "counts":
            return frame


async def test_a_socket_gets_the_counts_first_and_after_each_notification(broker, people):
    from notifications.processing import store_notification

    ann, ben = people["ann"], people["ben"]
    await database_sync_to_async(store_notification)(event_message("event.created", str(ObjectId()), ann, title="before"))
    socket, connected, _ = await open_socket(f"/ws/notifications/?token={ben.token}")
    assert connected
    assert await socket.receive_json_from(timeout=5) == {"type": "counts", "unread": 1, "unseen": 1}

    broker.publish(event_message("event.created", str(ObjectId()), ann, title="live"))
    assert (await socket.receive_json_from(timeout=5))["type"] == "notification"
    assert await socket.receive_json_from(timeout=5) == {"type": "counts", "unread": 2, "unseen": 2}
    await socket.disconnect()


async def test_read_seen_and_archive_in_one_tab_update_the_counts_of_every_tab(broker, people):
    ann, ben = people["ann"], people["ben"]
    tabs = [await connect(ben), await connect(ben)]
    for title in ("one", "two"):
        broker.publish(event_message("event.created", str(ObjectId()), ann, title=title))
    for tab in tabs:
        first, second = await notifications(tab, 2)
    for tab in tabs:
        assert await next_counts(tab) == {"type": "counts", "unread": 2, "unseen": 2}

    await rest("post", f"/api/notifications/{first['id']}/read/", ben)
    for tab in tabs:
        assert await next_counts(tab) == {"type": "counts", "unread": 1, "unseen": 2}
    await rest("post", "/api/notifications/seen/", ben)
    for tab in tabs:
        assert await next_counts(tab) == {"type": "counts", "unread": 1, "unseen": 0}
    await rest("post", f"/api/notifications/{second['id']}/archive/", ben)
    for tab in tabs:
        assert await next_counts(tab) == {"type": "counts", "unread": 0, "unseen": 0}
    await rest("post", f"/api/notifications/{second['id']}/read/", ben)  # archived, now read: nothing changes
    for tab in tabs:
        assert await quiet(tab, timeout=0.5)
    for tab in tabs:
        await tab.disconnect()


async def test_muting_new_events_takes_effect_on_an_open_socket(broker, people):
    ann, ben = people["ann"], people["ben"]
    socket, witness = await connect(ben), await connect(people["cat"])
    await rest("put", "/api/notifications/preferences/", ben, {"mute_created": True, "muted_creators": []})
    broker.publish(event_message("event.created", str(ObjectId()), ann, title="muted"))
    (shown,) = await notifications(witness, 1, timeout=10)
    assert shown["event"]["title"] == "muted"
    assert await quiet(socket, timeout=1.0)  # not pushed, and the counts did not move

    await rest("put", "/api/notifications/preferences/", ben, {"mute_created": False, "muted_creators": ["ann"]})
    broker.publish(event_message("event.created", str(ObjectId()), ann, title="still muted: ann"))
    broker.publish(event_message("event.created", str(ObjectId()), people["cat"], title="cat's"))
    (payload,) = await notifications(socket, 1)
    assert payload["event"]["title"] == "cat's"
    assert await quiet(socket, timeout=0.5)
    for open_one in (socket, witness):
        await open_one.disconnect()


async def test_a_since_replay_leaves_out_what_preferences_hid(broker, people):
    from notifications.processing import store_notification

    ann, ben = people["ann"], people["ben"]
    store = database_sync_to_async(store_notification)
    first = await store(event_message("event.created", str(ObjectId()), ann, title="first"))
    await rest("put", "/api/notifications/preferences/", ben, {"mute_created": False, "muted_creators": ["ann"]})
    await store(event_message("event.created", str(ObjectId()), ann, title="hidden"))
    await store(event_message("event.created", str(ObjectId()), people["cat"], title="shown"))
    socket = await connect(ben, since=str(first.notification.pk))
    (replayed,) = await notifications(socket, 1)
    assert replayed["event"]["title"] == "shown"
    assert await next_frame(socket) == {"type": "recovered", "complete": True}
    assert await socket.receive_json_from(timeout=5) == {"type": "counts", "unread": 2, "unseen": 2}
    await socket.disconnect()
