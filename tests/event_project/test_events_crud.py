"""Events CRUD: fields, validation rules, ownership, and ids."""

from datetime import UTC, datetime, timedelta

import pytest

from .factories import event_payload, make_event

pytestmark = pytest.mark.django_db

URL = "/api/events/"


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def test_create_returns_every_field(auth_client, user):
    payload = event_payload(
        tags=["python", "conference", "python"],
        max_attendees=300,
        status="scheduled",
        attachment_url="https://example.com/agenda.pdf",
        coordinates={"type": "Point", "coordinates": [13.405, 52.52]},
    )
    response = auth_client.post(URL, payload, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert len(body["id"]) == 24
    assert body["title"] == payload["title"]
    assert body["tags"] == ["python", "conference"]
    assert body["max_attendees"] == 300
    assert body["coordinates"] == {"type": "Point", "coordinates": [13.405, 52.52]}
    assert body["created_by"] == {"id": str(user.pk), "username": user.username}
    assert body["start_time"].endswith("Z") and body["created_at"].endswith("Z")
    assert auth_client.get(f"{URL}{body['id']}/").json() == body


def test_defaults_for_optional_fields(auth_client):
    body = auth_client.post(URL, event_payload(), format="json").json()
    assert body["status"] == "scheduled"
    assert body["tags"] == []
    assert body["max_attendees"] is None
    assert body["coordinates"] is None


def test_datetimes_with_offsets_are_returned_in_utc(auth_client):
    start = datetime.now(UTC) + timedelta(days=3)
    payload = event_payload(
        start_time=start.strftime("%Y-%m-%dT%H:%M:%S+02:00"), end_time=(start + timedelta(hours=5)).strftime("%Y-%m-%dT%H:%M:%S+02:00")
    )
    body = auth_client.post(URL, payload, format="json").json()
    expected = (start.replace(microsecond=0) - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    assert body["start_time"] == expected


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "x" * 101}, "title"),
        ({"location": ""}, "location"),
        ({"location": "  "}, "location"),
        ({"max_attendees": 0}, "max_attendees"),
        ({"max_attendees": "many"}, "max_attendees"),
        ({"status": "postponed"}, "status"),
        ({"attachment_url": "not a url"}, "attachment_url"),
        ({"tags": "python"}, "tags"),
        ({"tags": [""]}, "tags"),
        ({"coordinates": {"type": "Point", "coordinates": [200, 10]}}, "coordinates"),
        ({"coordinates": {"type": "Point", "coordinates": [10, -91]}}, "coordinates"),
        ({"coordinates": {"type": "LineString", "coordinates": [[1, 2], [3, 4]]}}, "coordinates"),
        ({"coordinates": [13.4, 52.5]}, "coordinates"),
        ({"start_time": "2030-01-01T10:00:00"}, "start_time"),
        ({"start_time": "tomorrow"}, "start_time"),
    ],
)
def test_invalid_fields_are_named_in_a_400(auth_client, overrides, field):
    response = auth_client.post(URL, event_payload(**overrides), format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert field in error["details"]


@pytest.mark.parametrize("field", ["title", "description", "location", "start_time", "end_time"])
def test_required_fields(auth_client, field):
    payload = event_payload()
    del payload[field]
    response = auth_client.post(URL, payload, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["details"]


def test_end_must_be_after_start(auth_client):
    payload = event_payload()
    payload["end_time"] = payload["start_time"]
    response = auth_client.post(URL, payload, format="json")
    assert response.status_code == 400
    assert "end_time" in response.json()["error"]["details"]


def test_start_must_not_be_in_the_past_on_create(auth_client):
    past = datetime.now(UTC) - timedelta(minutes=1)
    response = auth_client.post(URL, event_payload(start_time=iso(past), end_time=iso(past + timedelta(hours=1))), format="json")
    assert response.status_code == 400
    assert "start_time" in response.json()["error"]["details"]


def test_end_after_start_is_checked_on_partial_update(auth_client, user):
    event = make_event(user)
    response = auth_client.patch(f"{URL}{event.pk}/", {"end_time": iso(event.start_time - timedelta(hours=1))}, format="json")
    assert response.status_code == 400
    assert "end_time" in response.json()["error"]["details"]


def test_creator_can_patch_and_put(auth_client, user):
    event = make_event(user)
    patched = auth_client.patch(f"{URL}{event.pk}/", {"status": "canceled", "tags": ["x"]}, format="json")
    assert patched.status_code == 200
    assert patched.json()["status"] == "canceled" and patched.json()["tags"] == ["x"]
    replaced = auth_client.put(f"{URL}{event.pk}/", event_payload(title="New title"), format="json")
    assert replaced.status_code == 200
    assert replaced.json()["title"] == "New title"
    assert replaced.json()["status"] == "canceled"


def test_put_requires_all_required_fields(auth_client, user):
    event = make_event(user)
    response = auth_client.put(f"{URL}{event.pk}/", {"title": "Only a title"}, format="json")
    assert response.status_code == 400
    assert {"description", "location", "start_time", "end_time"} <= set(response.json()["error"]["details"])


def test_creator_can_delete(auth_client, user):
    event = make_event(user)
    assert auth_client.delete(f"{URL}{event.pk}/").status_code == 204
    assert auth_client.get(f"{URL}{event.pk}/").status_code == 404


def test_other_users_can_read_but_not_change(other_client, user):
    event = make_event(user)
    assert other_client.get(f"{URL}{event.pk}/").status_code == 200
    for response in (
        other_client.patch(f"{URL}{event.pk}/", {"title": "Mine now"}, format="json"),
        other_client.put(f"{URL}{event.pk}/", event_payload(), format="json"),
        other_client.delete(f"{URL}{event.pk}/"),
    ):
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "permission_denied"


def test_unauthenticated_requests_get_401(api_client, user):
    event = make_event(user)
    assert api_client.get(URL).status_code == 401
    assert api_client.post(URL, event_payload(), format="json").status_code == 401
    assert api_client.get(f"{URL}{event.pk}/").status_code == 401


@pytest.mark.parametrize("event_id", ["nope", "0" * 24, "6b04e039f97595e733123a9", "zz" * 12])
def test_unknown_or_malformed_ids_are_404(auth_client, event_id):
    for method in ("get", "patch", "delete"):
        response = getattr(auth_client, method)(f"{URL}{event_id}/")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"


def test_read_only_fields_are_ignored_on_write(auth_client, user, other_user):
    body = auth_client.post(
        URL, event_payload(id="0" * 24, created_by={"id": str(other_user.pk)}, created_at="2000-01-01T00:00:00Z"), format="json"
    ).json()
    assert body["id"] != "0" * 24
    assert body["created_by"]["id"] == str(user.pk)
    assert not body["created_at"].startswith("2000")
