"""Preferences: mute new events, mute some creators, mute one event; from the moment they are saved."""

import pytest
from bson import ObjectId
from rest_framework.test import APIClient

from .helpers import Person, history, store
from .test_inbox import counted_from_history, counts, listed

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def put_preferences(api, person, expected: int = 200, **body) -> dict:
    response = api.put("/api/notifications/preferences/", {"mute_created": False, "muted_creators": [], **body}, format="json", **person.auth)
    assert response.status_code == expected, response.json()
    return response.json()


def titles(api, person) -> list[str]:
    return [item["event"]["title"] for item in listed(api, person)]


def test_preferences_default_to_nothing_muted_and_are_replaced_by_put(api, people):
    ben = people["ben"]
    assert api.get("/api/notifications/preferences/", **ben.auth).json() == {"mute_created": False, "muted_creators": [], "muted_events": []}
    saved = put_preferences(api, ben, mute_created=True, muted_creators=["zed", "amy", "zed"])
    assert saved == {"mute_created": True, "muted_creators": ["amy", "zed"], "muted_events": []}
    assert api.get("/api/notifications/preferences/", **ben.auth).json() == saved


@pytest.mark.parametrize(
    "body",
    [{"mute_created": "maybe"}, {"muted_creators": "ann"}, {"muted_creators": ["x" * 151]}, {"muted_creators": [""]}, {"mute_created": None}],
)
def test_bad_preferences_are_a_400_in_the_error_shape(api, people, body):
    response = api.put("/api/notifications/preferences/", {"mute_created": False, "muted_creators": [], **body}, format="json", **people["ben"].auth)
    assert (response.status_code, response.json()["error"]["code"]) == (400, "validation_error")


def test_muting_new_events_hides_them_from_then_on_and_what_came_before_stays(api, people):
    ann, ben = people["ann"], people["ben"]
    store("event.created", str(ObjectId()), ann, title="before")
    put_preferences(api, ben, mute_created=True)
    store("event.created", str(ObjectId()), ann, title="while muted")
    assert titles(api, ben) == ["before"]
    assert counts(api, ben) == {"unread": 1, "unseen": 1} == counted_from_history(api, ben)
    assert titles(api, people["cat"]) == ["while muted", "before"]  # other users unaffected

    put_preferences(api, ben, mute_created=False)
    store("event.created", str(ObjectId()), ann, title="after")
    assert titles(api, ben) == ["after", "before"]  # what came while muted stays out
    assert counts(api, ben) == {"unread": 2, "unseen": 2} == counted_from_history(api, ben)
    muted = history(api, people["cat"])["results"][1]
    response = api.post(f"/api/notifications/{muted['id']}/read/", **ben.auth)
    assert response.status_code == 404  # not in ben's history


def test_muting_creators_hides_only_their_new_events(api, people):
    ann, ben, cat = people["ann"], people["ben"], people["cat"]
    store("event.created", str(ObjectId()), ann, title="ann before")
    put_preferences(api, ben, muted_creators=["ann"])
    store("event.created", str(ObjectId()), ann, title="ann muted")
    store("event.created", str(ObjectId()), cat, title="cat shown")
    assert titles(api, ben) == ["cat shown", "ann before"]
    assert counts(api, ben) == counted_from_history(api, ben) == {"unread": 2, "unseen": 2}

    put_preferences(api, ben, mute_created=True, muted_creators=["ann"])  # both at once: counted once
    store("event.created", str(ObjectId()), ann, title="ann under both")
    put_preferences(api, ben)
    store("event.created", str(ObjectId()), ann, title="ann again")
    assert titles(api, ben) == ["ann again", "cat shown", "ann before"]
    assert counts(api, ben) == counted_from_history(api, ben) == {"unread": 3, "unseen": 3}


def test_a_muted_event_sends_no_updates_while_the_user_stays_subscribed(api, people):
    ann, ben = people["ann"], people["ben"]
    event_id = str(ObjectId())
    store("event.created", event_id, ann, title="party")
    assert api.post(f"/api/events/{event_id}/subscription/", **ben.auth).status_code == 201
    store("event.updated", event_id, ann, title="party v2")

    response = api.post(f"/api/events/{event_id}/mute/", **ben.auth)
    assert (response.status_code, response.json()) == (201, {"event_id": event_id, "muted": True})
    assert api.post(f"/api/events/{event_id}/mute/", **ben.auth).status_code == 200
    assert api.get("/api/notifications/preferences/", **ben.auth).json()["muted_events"] == [event_id]
    muted = store("event.updated", event_id, ann, title="party v3")
    assert ben.id not in muted.recipients and ann.id in muted.recipients
    assert titles(api, ben) == ["party v2", "party"]
    assert api.get("/api/subscriptions/", **ben.auth).json()["results"][0]["event_id"] == event_id  # still subscribed
    assert counts(api, ben) == counted_from_history(api, ben)

    assert api.delete(f"/api/events/{event_id}/mute/", **ben.auth).status_code == 204
    assert api.delete(f"/api/events/{event_id}/mute/", **ben.auth).status_code == 204
    store("event.updated", event_id, ann, title="party v4")
    assert titles(api, ben) == ["party v4", "party v2", "party"]


def test_muting_an_unknown_event_is_a_404(api, people):
    for event_id in (str(ObjectId()), "nope"):
        response = api.post(f"/api/events/{event_id}/mute/", **people["ben"].auth)
        assert (response.status_code, response.json()["error"]["code"]) == (404, "not_found")


def test_a_creator_who_mutes_their_own_event_is_not_told_of_its_changes(api, people):
    ann = people["ann"]
    event_id = str(ObjectId())
    store("event.created", event_id, ann)
    assert api.post(f"/api/events/{event_id}/mute/", **ann.auth).status_code == 201
    assert store("event.updated", event_id, ann).recipients == []


def test_counts_agree_with_history_through_a_mixed_sequence(api, people):
    """Every change in turn, with the kept counts checked against the history each time."""
    ann, ben, cat = people["ann"], people["ben"], Person("dee")
    event_id = str(ObjectId())
    store("event.created", event_id, ann, title="followed")
    api.post(f"/api/events/{event_id}/subscription/", **ben.auth)
    steps = [
        lambda: store("event.created", str(ObjectId()), ann),
        lambda: store("event.updated", event_id, ann),
        lambda: api.post(f"/api/notifications/{history(api, ben)['results'][0]['id']}/read/", **ben.auth),
        lambda: put_preferences(api, ben, muted_creators=[cat.username]),
        lambda: store("event.created", str(ObjectId()), cat),
        lambda: api.post(f"/api/notifications/{history(api, ben)['results'][1]['id']}/archive/", **ben.auth),
        lambda: api.post("/api/notifications/seen/", **ben.auth),
        lambda: store("event.created", str(ObjectId()), ann),
        lambda: put_preferences(api, ben, mute_created=True),
        lambda: store("event.created", str(ObjectId()), ann),
        lambda: store("event.updated", event_id, ann),
        lambda: put_preferences(api, ben),
        lambda: store("event.created", str(ObjectId()), cat),
        lambda: api.post("/api/notifications/read-all/", **ben.auth),
        lambda: store("event.deleted", event_id, ann),
    ]
    for step in steps:
        step()
        assert counts(api, ben) == counted_from_history(api, ben)
    assert counts(api, ben) == {"unread": 1, "unseen": 4}  # after read-all: the deletion; after seen: four
