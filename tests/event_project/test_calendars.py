"""Calendars against the real database: an event's .ics file, its SEQUENCE and STATUS, and the secret feed URL."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from urllib.parse import urlsplit

import icalendar
import pytest
from django.db import connection
from rest_framework.test import APIClient

from calendars.models import CalendarFeed
from events.models import Event

from .conftest import bearer_client
from .factories import make_event, make_user

pytestmark = pytest.mark.django_db

BERLIN = {"type": "Point", "coordinates": [13.405, 52.52]}


def calendar_url(event) -> str:
    return f"/api/events/{event.pk}/calendar.ics"


def parsed(response) -> icalendar.Calendar:
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return icalendar.Calendar.from_ical(response.content)


def only_vevent(response) -> icalendar.Event:
    (vevent,) = parsed(response).events
    return vevent


def assert_error(response, status: int):
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["status"] == status


def test_an_events_calendar_has_every_field_of_the_event(auth_client, user):
    event = make_event(user, title="PyCon, Berlin; day 1", description="Talks\nand sprints.", coordinates=BERLIN)
    vevent = only_vevent(auth_client.get(calendar_url(event)))
    stored = Event.objects.get(pk=event.pk)
    assert vevent["UID"] == f"{event.pk}@eventhub"
    assert (vevent.start, vevent.end) == (stored.start_time, stored.end_time)
    assert vevent.start.utcoffset() == timedelta(0)
    assert vevent["DTSTART"].to_ical().endswith(b"Z") and vevent["DTEND"].to_ical().endswith(b"Z")
    assert str(vevent["SUMMARY"]) == "PyCon, Berlin; day 1"
    assert str(vevent["LOCATION"]) == "Berlin"
    assert str(vevent["DESCRIPTION"]) == "Talks\nand sprints."
    assert (vevent["GEO"].latitude, vevent["GEO"].longitude) == (52.52, 13.405)
    assert vevent["SEQUENCE"] == 0
    assert vevent["STATUS"] == "CONFIRMED"
    assert vevent["LAST-MODIFIED"].dt == vevent["DTSTAMP"].dt == stored.updated_at.replace(microsecond=0)


def test_geo_is_there_only_when_the_event_has_coordinates(auth_client, user):
    assert "GEO" not in only_vevent(auth_client.get(calendar_url(make_event(user))))


def test_sequence_grows_with_every_update_and_the_uid_stays(auth_client, user):
    event = make_event(user)
    first = only_vevent(auth_client.get(calendar_url(event)))
    sequences = [first["SEQUENCE"]]
    for title in ("Renamed", "Renamed again", "Renamed again"):  # the same values again are an update too
        assert auth_client.patch(f"/api/events/{event.pk}/", {"title": title}, format="json").status_code == 200
        vevent = only_vevent(auth_client.get(calendar_url(event)))
        assert vevent["UID"] == first["UID"]
        sequences.append(vevent["SEQUENCE"])
    assert sequences == [0, 1, 2, 3]
    assert str(vevent["SUMMARY"]) == "Renamed again"


def test_attendance_changes_do_not_count_as_revisions(auth_client, user, other_user):
    event = make_event(user)
    assert bearer_client(other_user, "10.9.1.1").post(f"/api/events/{event.pk}/attendance/").status_code == 201
    assert only_vevent(auth_client.get(calendar_url(event)))["SEQUENCE"] == 0


def test_saves_of_two_copies_loaded_together_get_two_sequence_numbers(user):
    event = make_event(user)
    first, second = Event.objects.get(pk=event.pk), Event.objects.get(pk=event.pk)
    first.title = "one"
    first.save()
    second.title = "two"
    second.save()
    assert (first.revision, second.revision, Event.objects.get(pk=event.pk).revision) == (1, 2, 2)


def test_a_canceled_event_is_cancelled_in_the_calendar(auth_client, user):
    event = make_event(user)
    assert auth_client.patch(f"/api/events/{event.pk}/", {"status": "canceled"}, format="json").status_code == 200
    vevent = only_vevent(auth_client.get(calendar_url(event)))
    assert (vevent["STATUS"], vevent["SEQUENCE"]) == ("CANCELLED", 1)


def test_the_revision_is_not_part_of_the_events_json(auth_client, user):
    assert "revision" not in auth_client.get(f"/api/events/{make_event(user).pk}/").json()


@pytest.mark.parametrize("event_id", ["0" * 24, "not-an-id", "%00"])
def test_an_unknown_or_malformed_event_is_a_404(auth_client, event_id):
    assert_error(auth_client.get(f"/api/events/{event_id}/calendar.ics"), 404)


def test_a_deleted_event_is_a_404(auth_client, user):
    event = make_event(user)
    assert auth_client.delete(f"/api/events/{event.pk}/").status_code == 204
    assert_error(auth_client.get(calendar_url(event)), 404)


def test_an_events_calendar_needs_a_token(api_client, user):
    assert_error(api_client.get(calendar_url(make_event(user))), 401)


def test_any_accept_header_gets_the_calendar_and_errors_stay_json(auth_client, user):
    event = make_event(user)
    assert parsed(auth_client.get(calendar_url(event), HTTP_ACCEPT="text/calendar"))
    assert_error(auth_client.get("/api/events/nope/calendar.ics", HTTP_ACCEPT="text/calendar"), 404)


# The feed.


def new_feed(client) -> str:
    response = client.post("/api/calendar/feed/")
    assert response.status_code == 201
    url = response.json()["url"]
    assert url.startswith("http://testserver/api/calendar/") and url.endswith(".ics")
    return urlsplit(url).path


def test_the_feed_lists_exactly_the_events_its_owner_attends_without_headers(user, other_user):
    guest = bearer_client(other_user, "10.9.1.2")
    going, waitlisted, unattended = make_event(user, max_attendees=1), make_event(user), make_event(user)
    assert bearer_client(make_user(), "10.9.1.3").post(f"/api/events/{going.pk}/attendance/").status_code == 201
    for event in (going, waitlisted):
        assert guest.post(f"/api/events/{event.pk}/attendance/").status_code == 201
    assert guest.get(f"/api/events/{going.pk}/attendance/").json()["status"] == "waitlisted"
    feed = parsed(APIClient().get(new_feed(guest)))
    assert {str(vevent["UID"]) for vevent in feed.events} == {f"{going.pk}@eventhub", f"{waitlisted.pk}@eventhub"}
    assert f"{unattended.pk}@eventhub" not in {str(vevent["UID"]) for vevent in feed.events}


def test_an_empty_feed_is_a_calendar_without_events(auth_client):
    assert parsed(APIClient().get(new_feed(auth_client))).events == []


def test_a_new_feed_url_retires_the_previous_one(auth_client):
    first, second = new_feed(auth_client), new_feed(auth_client)
    assert first != second
    assert_error(APIClient().get(first), 404)
    assert parsed(APIClient().get(second))


def test_deleting_the_feed_revokes_it_and_is_idempotent(auth_client):
    url = new_feed(auth_client)
    assert auth_client.delete("/api/calendar/feed/").status_code == 204
    assert auth_client.delete("/api/calendar/feed/").status_code == 204
    assert_error(APIClient().get(url), 404)


def test_only_the_secrets_hash_is_stored(auth_client, user):
    secret = new_feed(auth_client).rsplit("/", 1)[1].removesuffix(".ics")
    stored = CalendarFeed.objects.get(user=user)
    assert stored.secret_hash != secret and len(stored.secret_hash) == 64
    assert secret not in str(CalendarFeed.objects.filter(user=user).values().get())


@pytest.mark.parametrize("secret", ["x" * 43, "feed", "a%20b", "%C3%A9" * 43, "..", "-" * 500])
def test_an_unknown_or_odd_secret_is_a_404(api_client, secret):
    assert_error(api_client.get(f"/api/calendar/{secret}.ics"), 404)


def test_a_deactivated_users_feed_stops_working(auth_client, user):
    url = new_feed(auth_client)
    user.is_active = False
    user.save()
    assert_error(APIClient().get(url), 404)


def test_the_feed_needs_a_token_to_be_made_or_revoked(api_client):
    assert_error(api_client.post("/api/calendar/feed/"), 401)
    assert_error(api_client.delete("/api/calendar/feed/"), 401)


def test_concurrent_renewals_leave_one_feed_and_one_working_url(user):
    start = threading.Barrier(5, timeout=30)

    def renew(_):
        try:
            start.wait()
            return bearer_client(user, "10.9.1.4").post("/api/calendar/feed/")
        finally:
            connection.close()

    with ThreadPoolExecutor(5) as pool:
        answers = list(pool.map(renew, range(5)))
    assert [answer.status_code for answer in answers] == [201] * 5
    assert CalendarFeed.objects.filter(user=user).count() == 1
    working = [a for a in answers if APIClient().get(urlsplit(a.json()["url"]).path).status_code == 200]
    assert len(working) == 1


def test_the_access_log_never_writes_a_feeds_secret(auth_client, caplog):
    url = new_feed(auth_client)
    secret = urlsplit(url).path.rsplit("/", 1)[1].removesuffix(".ics")
    with caplog.at_level("INFO", logger="eventhub.access"):
        assert APIClient().get(url).status_code == 200
    lines = [r for r in caplog.records if r.name == "eventhub.access" and r.getMessage().startswith("GET")]
    assert [record.getMessage().split()[1] for record in lines] == ["/api/calendar/<secret>.ics"]
    assert all(secret not in record.getMessage() and secret not in record.path for record in lines)
