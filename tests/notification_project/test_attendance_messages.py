"""`attendance.*` messages: who is notified, attendees following the event like subscribers, order by version."""

import asyncio

import pytest
from bson import ObjectId
from channels.db import database_sync_to_async
from eventhub_common.messages import build_message

from .helpers import Person, connect, event_message, known, notifications, quiet

EVENT = {"start_time": "2030-01-01T10:00:00.000Z", "end_time": "2030-01-01T12:00:00.000Z", "status": "scheduled"}


def attendance_message(kind: str, event_id: str, creator: Person, attendee: Person, version: int, *, actor=None, position=None):
    status = {"attendance.going": "going", "attendance.promoted": "going", "attendance.waitlisted": "waitlisted"}.get(kind, "none")
    data = {
        "id": event_id, "title": "Meetup", **EVENT, "created_by": creator.ref, "attendee": attendee.ref,
        "attendance": {"status": status, "position": position, "version": version},
    }
    return build_message(kind, actor=(actor or attendee).ref, data=data)


def store_each(messages, batched: bool):
    from notifications.processing import store_notification, store_notifications

    return store_notifications(messages) if batched else [store_notification(m) for m in messages]


@pytest.mark.django_db
@pytest.mark.parametrize("batched", [False, True], ids=["one by one", "batched"])
def test_who_gets_what_and_attendees_receive_updates_once(people, batched):
    ann, ben, cat = people["ann"], people["ben"], people["cat"]
    from subscriptions.models import Subscription

    event_id = str(ObjectId())
    store_each([event_message("event.created", event_id, ann)], batched)
    Subscription.objects.create(user_id=ben.id, event_id=event_id)  # subscribed and attending: told once
    results = store_each(
        [
            attendance_message("attendance.going", event_id, ann, ben, 1),
            attendance_message("attendance.waitlisted", event_id, ann, cat, 2, position=1),
            event_message("event.updated", event_id, ann, title="Renamed"),
        ],
        batched,
    )
    going, waitlisted, updated = (r.notification for r in results)
    assert [r.duplicate for r in results] == [False, False, False]
    assert (going.notification_type, going.action, going.recipients, going.actor_username) == (
        "attendance.going", "going", [ann.id], "ben"
    )
    assert waitlisted is None  # a place in line notifies nobody
    assert updated.recipients == sorted({ann.id, ben.id, cat.id})

    results = store_each(
        [
            attendance_message("attendance.left", event_id, ann, ben, 3),
            attendance_message("attendance.promoted", event_id, ann, cat, 3, actor=ben),
            event_message("event.deleted", event_id, ann),
        ],
        batched,
    )
    left, promoted, deleted = (r.notification for r in results)
    assert (left.notification_type, left.recipients) == ("attendance.left", [ann.id])
    assert (promoted.notification_type, promoted.action, promoted.recipients) == ("attendance.promoted", "promoted", [cat.id])
    assert deleted.recipients == sorted({ann.id, ben.id, cat.id})  # ben still subscribed


@pytest.mark.django_db
def test_a_late_older_attendance_message_does_not_undo_a_newer_one(people):
    from notifications.processing import store_notification
    from subscriptions.services import followers_by_event

    ann, ben = people["ann"], people["ben"]
    event_id = str(ObjectId())
    joined = attendance_message("attendance.going", event_id, ann, ben, 4)
    left = attendance_message("attendance.left", event_id, ann, ben, 5)
    store_notification(left)
    store_notification(joined)  # delivered after the newer `left`
    assert followers_by_event([event_id]) == {}
    again = store_notification(joined)
    assert again.duplicate




@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("worker")
async def test_a_promotion_reaches_the_promoted_users_socket_and_attendees_get_updates_live(broker, people):
    ann, ben, cat = people["ann"], people["ben"], people["cat"]
    event_id = str(ObjectId())
    broker.publish(event_message("event.created", event_id, ann))
    await known(event_id)
    sockets = {person.username: await connect(person) for person in (ann, ben, cat)}
    for socket in sockets.values():
        await notifications(socket, 0)

    broker.publish(attendance_message("attendance.waitlisted", event_id, ann, ben, 1, position=1))
    broker.publish(attendance_message("attendance.promoted", event_id, ann, ben, 2, actor=cat))
    (promoted,) = await notifications(sockets["ben"], 1)
    assert promoted["notification_type"] == "attendance.promoted"
    assert promoted["event"] == {"id": event_id, "title": "Meetup", "action": "promoted", "timestamp": promoted["event"]["timestamp"]}
    assert promoted["user"] == "cat"
    assert await quiet(sockets["cat"], timeout=0.5)

    # Ben follows the event since he got in line: the update reaches his open socket.
    broker.publish(event_message("event.updated", event_id, ann, title="Renamed"))
    (updated,) = await notifications(sockets["ben"], 1)
    assert updated["notification_type"] == "event.updated"
    (told,) = await notifications(sockets["ann"], 1)
    assert told["notification_type"] == "event.updated"
    assert await quiet(sockets["cat"], timeout=0.5)

    from subscriptions.services import followers_by_event

    broker.publish(attendance_message("attendance.left", event_id, ann, ben, 3))
    (left,) = await notifications(sockets["ann"], 1)  # the creator is told who left
    assert (left["notification_type"], left["user"]) == ("attendance.left", "ben")
    for _ in range(200):
        if ben.id not in (await database_sync_to_async(followers_by_event)([event_id])).get(event_id, set()):
            break
        await asyncio.sleep(0.05)
    broker.publish(event_message("event.updated", event_id, ann, title="Again"))
    await notifications(sockets["ann"], 1)
    assert await quiet(sockets["ben"], timeout=0.7)
    for socket in sockets.values():
        await socket.disconnect()
