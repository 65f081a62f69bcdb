"""The inbox: counts kept (not counted), seen, archived, per user for broadcasts and personal notifications."""

import pytest
from bson import ObjectId
from rest_framework.test import APIClient

from .helpers import history, store

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def counts(api, person) -> dict:
    response = api.get("/api/notifications/counts/", **person.auth)
    assert response.status_code == 200, response.json()
    return response.json()


def listed(api, person) -> list[dict]:
    """Every notification the user's history lists (archived ones left out), newest first."""
    items, query = [], "?page_size=100"
    while True:
        page = history(api, person, query)
        items += page["results"]
        if not page["next"]:
            return items
        query = "?" + page["next"].split("?", 1)[1]


def counted_from_history(api, person) -> dict:
    """What the counts must be, counted the slow way from the listed history."""
    items = listed(api, person)
    return {"unread": sum(not item["read"] for item in items), "unseen": sum(not item["seen"] for item in items)}


def post(api, person, path: str, expected: int = 200) -> dict:
    response = api.post(f"/api/notifications/{path}", **person.auth)
    assert response.status_code == expected, response.json()
    return response.json()


def test_counts_follow_new_notifications_reads_read_all_and_seen(api, people):
    ann, ben = people["ann"], people["ben"]
    assert counts(api, ben) == {"unread": 0, "unseen": 0}
    event_id = str(ObjectId())
    store("event.created", event_id, ann)
    created = [store("event.created", str(ObjectId()), ann, title=f"e{n}") for n in range(3)]
    assert api.post(f"/api/events/{event_id}/subscription/", **ben.auth).status_code == 201
    store("event.updated", event_id, ann)  # personal: ben is subscribed
    assert counts(api, ben) == {"unread": 5, "unseen": 5} == counted_from_history(api, ben)
    assert counts(api, people["cat"]) == {"unread": 4, "unseen": 4}  # broadcasts only

    read = post(api, ben, f"{created[0].pk}/read/")
    assert (read["read"], read["seen"]) == (True, False)
    post(api, ben, f"{created[0].pk}/read/")  # twice: counted once
    assert counts(api, ben) == {"unread": 4, "unseen": 5} == counted_from_history(api, ben)
    assert counts(api, people["cat"]) == {"unread": 4, "unseen": 4}  # read state is per user, broadcasts too

    assert post(api, ben, "seen/")["seen_through"] == created[-1].seq + 1
    assert counts(api, ben) == {"unread": 4, "unseen": 0} == counted_from_history(api, ben)
    assert all(item["seen"] for item in listed(api, ben))
    store("event.created", str(ObjectId()), ann, title="after seen")
    assert counts(api, ben) == {"unread": 5, "unseen": 1} == counted_from_history(api, ben)

    post(api, ben, "read-all/")
    assert counts(api, ben) == {"unread": 0, "unseen": 1} == counted_from_history(api, ben)


def test_archived_notifications_leave_the_list_and_the_counts_and_keep_their_read_state(api, people):
    ann, ben = people["ann"], people["ben"]
    first, second, third = (store("event.created", str(ObjectId()), ann, title=f"a{n}") for n in range(3))
    post(api, ben, f"{second.pk}/read/")

    archived = post(api, ben, f"{first.pk}/archive/")
    assert (archived["archived"], archived["read"]) == (True, False)
    post(api, ben, f"{second.pk}/archive/")
    post(api, ben, f"{second.pk}/archive/")  # twice: no change
    assert [item["event"]["title"] for item in listed(api, ben)] == ["a2"]
    assert [item["event"]["title"] for item in history(api, ben, "?archived=true")["results"]] == ["a1", "a0"]
    assert history(api, ben, "?archived=true")["results"][0]["read"] is True  # archiving kept it
    assert counts(api, ben) == {"unread": 1, "unseen": 1} == counted_from_history(api, ben)
    assert len(listed(api, ann)) == 3  # per user

    post(api, ben, f"{first.pk}/read/")  # read while archived: the counts stay
    assert counts(api, ben) == {"unread": 1, "unseen": 1}
    post(api, ben, "seen/")
    post(api, ben, "read-all/")
    assert counts(api, ben) == {"unread": 0, "unseen": 0}

    response = api.delete(f"/api/notifications/{first.pk}/archive/", **ben.auth)
    assert (response.status_code, response.json()["archived"], response.json()["read"]) == (200, False, True)
    assert [item["event"]["title"] for item in listed(api, ben)] == ["a2", "a0"]
    assert counts(api, ben) == counted_from_history(api, ben) == {"unread": 0, "unseen": 0}


def test_unarchiving_an_unread_unseen_notification_counts_it_again(api, people):
    ann, ben = people["ann"], people["ben"]
    only = store("event.created", str(ObjectId()), ann)
    post(api, ben, f"{only.pk}/archive/")
    assert counts(api, ben) == {"unread": 0, "unseen": 0}
    assert api.delete(f"/api/notifications/{only.pk}/archive/", **ben.auth).status_code == 200
    assert counts(api, ben) == {"unread": 1, "unseen": 1} == counted_from_history(api, ben)


@pytest.mark.parametrize("path", ["{id}/archive/", "{id}/read/"])
def test_archive_and_read_of_an_unknown_or_foreign_notification_are_404(api, people, path):
    ann, ben = people["ann"], people["ben"]
    event_id = str(ObjectId())
    store("event.created", event_id, ann)
    personal = store("event.updated", event_id, ann)  # for ann, the creator, only
    for notification_id in (str(ObjectId()), "not-an-id", str(personal.pk)):
        response = api.post(f"/api/notifications/{path.format(id=notification_id)}", **ben.auth)
        assert (response.status_code, response.json()["error"]["code"]) == (404, "not_found")
    assert api.delete(f"/api/notifications/{personal.pk}/archive/", **ben.auth).status_code == 404


def test_the_new_endpoints_need_a_token(api):
    for method, path in [("get", "counts/"), ("post", "seen/"), ("post", f"{ObjectId()}/archive/"), ("get", "preferences/")]:
        assert getattr(api, method)(f"/api/notifications/{path}").status_code == 401


def test_reading_the_counts_costs_the_same_with_a_long_history(api, people, monkeypatch):
    """Counts are kept: three point reads by unique key, whatever the history holds (10,000 more here; the
    benchmark reads them with 1,000,000 stored)."""
    from django.db import connection
    from pymongo.collection import Collection

    from notifications.inbox import counts as read_counts

    ann, ben = people["ann"], people["ben"]
    store("event.created", str(ObjectId()), ann)
    reads = []
    for method in ("find", "aggregate"):  # (find_one calls find)
        original = getattr(Collection, method)

        def recorded(self, *args, _original=original, _method=method, **kwargs):
            reads.append((self.name, _method, repr(args[:1])))
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(Collection, method, recorded)

    before = read_counts(ben.id)
    short, reads[:] = list(reads), []
    notifications = connection.database["notifications_notification"]
    template = notifications.find_one({}, {"_id": 0})
    notifications.insert_many([{**template, "message_id": str(ObjectId()), "seq": 10 + n} for n in range(10_000)])
    connection.database["notifications_sequence"].update_one({"name": "notifications"}, {"$inc": {"value": 10_000, "broadcasts": 10_000}})
    reads.clear()
    after = read_counts(ben.id)
    assert (before.unread, after.unread) == (1, 10_001)
    assert reads == short  # the same statements, with the same filters
    assert sorted(collection for collection, _, _ in reads) == ["notifications_inbox", "notifications_sequence", "preferences_preference"]


def test_a_batch_stored_together_counts_like_one_by_one(api, people):
    from notifications.processing import store_notifications

    from .helpers import event_message

    ann, ben = people["ann"], people["ben"]
    event_id = str(ObjectId())
    store("event.created", event_id, ann)
    api.post(f"/api/events/{event_id}/subscription/", **ben.auth)
    api.put("/api/notifications/preferences/", {"mute_created": False, "muted_creators": ["cat"]}, format="json", **ben.auth)
    cat = people["cat"]
    store_notifications([
        event_message("event.updated", event_id, ann),
        event_message("event.created", str(ObjectId()), cat),
        event_message("event.created", str(ObjectId()), ann),
        event_message("event.updated", event_id, ann),
    ])
    assert counts(api, ben) == counted_from_history(api, ben) == {"unread": 4, "unseen": 4}
    assert counts(api, ann) == counted_from_history(api, ann) == {"unread": 5, "unseen": 5}
