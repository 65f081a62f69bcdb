"""The REST API: history with read state, subscriptions, errors, documentation and health."""

import pytest
from bson import ObjectId
from rest_framework.test import APIClient

from .helpers import Person, history, store

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def test_history_is_newest_first_with_the_payload_fields_read_and_created_at(api, people):
    ann, ben = people["ann"], people["ben"]
    for n in range(3):
        store("event.created", str(ObjectId()), ann, title=f"e{n}")
    items = history(api, ben)["results"]
    assert [item["event"]["title"] for item in items] == ["e2", "e1", "e0"]
    item = items[0]
    assert set(item) == {"type", "notification_type", "event", "user", "id", "read", "seen", "archived", "created_at"}
    assert item["type"] == "notification" and item["user"] == "ann" and item["read"] is False


def test_updates_appear_only_in_the_history_of_subscribers_and_the_creator(api, people):
    from subscriptions.services import subscribe

    ann, ben, cat = people.values()
    event_id = str(ObjectId())
    store("event.created", event_id, ann)
    subscribe(ben.id, event_id)
    store("event.updated", event_id, ann, title="changed")
    for person, expected in ((ann, True), (ben, True), (cat, False)):
        titles = [item["event"]["title"] for item in history(api, person)["results"]]
        assert ("changed" in titles) is expected, person.username


def test_history_is_cursor_paginated(api, people):
    for n in range(5):
        store("event.created", str(ObjectId()), people["ann"], title=f"p{n}")
    first = history(api, people["ben"], "?page_size=2")
    assert len(first["results"]) == 2 and first["next"]
    second = api.get(first["next"], **people["ben"].auth).json()
    assert [item["event"]["title"] for item in second["results"]] == ["p2", "p1"]


def test_mark_one_read_then_all_read_and_the_unread_filter(api, people):
    ann, ben = people["ann"], people["ben"]
    for n in range(3):
        store("event.created", str(ObjectId()), ann, title=f"r{n}")
    items = history(api, ben)["results"]
    read = api.post(f"/api/notifications/{items[0]['id']}/read/", **ben.auth)
    assert read.status_code == 200 and read.json()["read"] is True
    unread = history(api, ben, "?unread=true")["results"]
    assert [item["event"]["title"] for item in unread] == ["r1", "r0"]
    assert history(api, ann, "?unread=true")["results"][0]["event"]["title"] == "r2"  # read state is per user

    assert api.post("/api/notifications/read-all/", **ben.auth).status_code == 200
    assert history(api, ben, "?unread=true")["results"] == []
    assert all(item["read"] for item in history(api, ben)["results"])
    store("event.created", str(ObjectId()), ann, title="newer")
    assert [item["event"]["title"] for item in history(api, ben, "?unread=true")["results"]] == ["newer"]


def test_reading_someone_elses_or_an_unknown_notification_is_404(api, people):
    from subscriptions.services import subscribe

    ann, ben, cat = people.values()
    event_id = str(ObjectId())
    store("event.created", event_id, ann)
    subscribe(ben.id, event_id)
    private = store("event.updated", event_id, ann)
    assert api.post(f"/api/notifications/{private.pk}/read/", **cat.auth).status_code == 404
    assert api.post("/api/notifications/nope/read/", **cat.auth).status_code == 404
    assert api.post(f"/api/notifications/{ObjectId()}/read/", **cat.auth).status_code == 404


@pytest.mark.parametrize("path", ["/api/notifications/", "/api/subscriptions/"])
@pytest.mark.parametrize("bad", ["cD1ub3QtYS1kYXRl", "%%%not-base64", "bz0tMQ=="])  # p=not-a-date, undecodable, o=-1
def test_malformed_cursors_are_a_400_invalid_cursor(api, people, path, bad):
    store("event.created", str(ObjectId()), people["ann"])
    response = api.get(path, {"cursor": bad}, **people["ben"].auth)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_cursor"


def test_a_body_over_the_limit_is_a_413_in_the_error_shape(api, people):
    response = api.post("/api/notifications/read-all/", {"up_to": "x" * (1024 * 1024)}, format="json", **people["ben"].auth)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


def test_subscribe_is_201_then_200_and_delete_is_204(api, people):
    ann, ben = people["ann"], people["ben"]
    event_id = str(ObjectId())
    store("event.created", event_id, ann)
    assert api.post(f"/api/events/{event_id}/subscription/", **ben.auth).status_code == 201
    assert api.post(f"/api/events/{event_id}/subscription/", **ben.auth).status_code == 200
    listed = api.get("/api/subscriptions/", **ben.auth).json()["results"]
    assert [item["event_id"] for item in listed] == [event_id]
    assert api.delete(f"/api/events/{event_id}/subscription/", **ben.auth).status_code == 204
    assert api.get("/api/subscriptions/", **ben.auth).json()["results"] == []


def test_a_user_at_the_subscription_limit_gets_409_and_keeps_what_they_have(api, people, settings):
    settings.SUBSCRIPTIONS_PER_USER = 2
    ann, ben = people["ann"], people["ben"]
    events = [str(ObjectId()) for _ in range(3)]
    for event_id in events:
        store("event.created", event_id, ann)
    assert [api.post(f"/api/events/{e}/subscription/", **ben.auth).status_code for e in events[:2]] == [201, 201]
    refused = api.post(f"/api/events/{events[2]}/subscription/", **ben.auth)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "too_many_subscriptions"
    assert api.post(f"/api/events/{events[0]}/subscription/", **ben.auth).status_code == 200  # already had it
    assert api.delete(f"/api/events/{events[0]}/subscription/", **ben.auth).status_code == 204
    assert api.post(f"/api/events/{events[2]}/subscription/", **ben.auth).status_code == 201


def test_subscribing_to_an_unknown_or_deleted_event_is_404(api, people):
    ann, ben = people["ann"], people["ben"]
    deleted = str(ObjectId())
    store("event.created", deleted, ann)
    store("event.deleted", deleted, ann)
    for event_id in (deleted, str(ObjectId()), "not-an-id"):
        response = api.post(f"/api/events/{event_id}/subscription/", **ben.auth)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"


def test_every_endpoint_needs_a_valid_token(api, people):
    for method, url in (("get", "/api/notifications/"), ("post", "/api/notifications/read-all/"), ("get", "/api/subscriptions/")):
        response = getattr(api, method)(url)
        assert response.status_code == 401
        assert response.json()["error"]["status"] == 401
    forged = api.get("/api/notifications/", HTTP_AUTHORIZATION="Bearer not.a.token")
    assert forged.status_code == 401


def test_docs_health_and_the_browser_client_are_served(api):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    for path in ("/api/notifications/", "/api/notifications/{notification_id}/read/", "/api/notifications/read-all/",
                 "/api/events/{event_id}/subscription/", "/api/subscriptions/"):
        assert path in schema["paths"]
    assert api.get("/api/docs/").status_code == 200
    ready = api.get("/readyz").json()
    assert ready["checks"] == {"mongodb": "ok", "rabbitmq": "ok"}
    page = api.get("/")
    assert page.status_code == 200 and b"data-event-api" in page.content
    assert api.get("/nothing/").json()["error"]["code"] == "not_found"
