"""Attendance against the real database: seats, the waiting list, promotions, closed events, counts, lists."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from attendance.models import Attendance
from events.models import Event
from outbox.models import OutboxMessage

from .conftest import bearer_client
from .factories import make_event, make_user

pytestmark = pytest.mark.django_db


def attendance_url(event) -> str:
    return f"/api/events/{event.pk}/attendance/"


def client_of(user):
    return bearer_client(user, "10.9.0.1")


def attend(user, event):
    return client_of(user).post(attendance_url(event))


def detail(user, event) -> dict:
    return client_of(user).get(f"/api/events/{event.pk}/").json()


def messages(kind: str) -> list[dict]:
    return [m.body for m in OutboxMessage.objects.filter(routing_key=kind).order_by("created_at", "id")]


def test_a_free_seat_is_going_then_the_rest_wait_in_line(user):
    event = make_event(user, max_attendees=2)
    guests = [make_user() for _ in range(4)]
    answers = [attend(guest, event) for guest in guests]
    assert [a.status_code for a in answers] == [201] * 4
    assert [a.json() for a in answers] == [
        {"status": "going", "position": None},
        {"status": "going", "position": None},
        {"status": "waitlisted", "position": 1},
        {"status": "waitlisted", "position": 2},
    ]
    shown = detail(user, event)
    assert (shown["attendee_count"], shown["waitlist_count"], shown["seats_left"]) == (2, 2, 0)


def test_attending_again_is_a_200_with_the_current_state_and_changes_nothing(user, other_user):
    event = make_event(user, max_attendees=1)
    attend(make_user(), event)
    assert attend(other_user, event).status_code == 201
    again = attend(other_user, event)
    assert (again.status_code, again.json()) == (200, {"status": "waitlisted", "position": 1})
    assert Attendance.objects.filter(event=event).count() == 2
    assert len(messages("attendance.waitlisted")) == 1


def test_get_tells_the_callers_own_state(user, other_user):
    event = make_event(user, max_attendees=1)
    client = client_of(other_user)
    assert client.get(attendance_url(event)).json() == {"status": "none", "position": None}
    attend(user, event)
    attend(other_user, event)
    assert client.get(attendance_url(event)).json() == {"status": "waitlisted", "position": 1}
    assert client_of(user).get(attendance_url(event)).json() == {"status": "going", "position": None}


def test_unlimited_events_take_everyone_and_show_no_seats_left(user):
    event = make_event(user)
    for _ in range(3):
        assert attend(make_user(), event).json()["status"] == "going"
    shown = detail(user, event)
    assert (shown["attendee_count"], shown["waitlist_count"], shown["seats_left"]) == (3, 0, None)


def test_leaving_promotes_the_first_in_line_and_publishes_it(user):
    event = make_event(user, max_attendees=1)
    first, second, third = make_user(), make_user(), make_user()
    for guest in (first, second, third):
        attend(guest, event)
    assert client_of(first).delete(attendance_url(event)).status_code == 204
    assert client_of(second).get(attendance_url(event)).json() == {"status": "going", "position": None}
    assert client_of(third).get(attendance_url(event)).json() == {"status": "waitlisted", "position": 1}
    shown = detail(user, event)
    assert (shown["attendee_count"], shown["waitlist_count"], shown["seats_left"]) == (1, 1, 0)
    (left,) = messages("attendance.left")
    (promoted,) = messages("attendance.promoted")
    assert left["data"]["attendee"]["username"] == first.username
    assert left["data"]["attendance"]["status"] == "none"
    assert promoted["data"]["attendee"]["username"] == second.username
    assert promoted["data"]["attendance"] == {"status": "going", "position": None, "version": promoted["data"]["attendance"]["version"]}
    assert promoted["data"]["attendance"]["version"] > left["data"]["attendance"]["version"] - 1
    assert promoted["data"]["id"] == str(event.pk) and promoted["data"]["created_by"]["id"] == str(user.pk)


def test_leaving_is_idempotent_and_leaving_the_line_moves_the_others_up(user):
    event = make_event(user, max_attendees=1)
    guests = [make_user() for _ in range(3)]
    for guest in guests:
        attend(guest, event)
    assert client_of(guests[1]).delete(attendance_url(event)).status_code == 204
    assert client_of(guests[1]).delete(attendance_url(event)).status_code == 204
    assert client_of(guests[2]).get(attendance_url(event)).json() == {"status": "waitlisted", "position": 1}
    assert len(messages("attendance.left")) == 1
    assert messages("attendance.promoted") == []  # a place in line freed no seat


@pytest.mark.parametrize("change", [{"status": "canceled"}, {"status": "completed"}])
def test_a_canceled_or_completed_event_takes_no_new_attendance(user, other_user, change):
    event = make_event(user)
    client_of(user).patch(f"/api/events/{event.pk}/", change, format="json")
    answer = attend(other_user, event)
    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "event_closed"


def test_a_started_event_takes_no_new_attendance(user, other_user):
    event = make_event(user)
    Event.objects.filter(pk=event.pk).update(start_time=datetime.now(UTC) - timedelta(minutes=1))
    assert attend(other_user, event).json()["error"]["code"] == "event_closed"


def test_unknown_malformed_and_deleted_events_are_404(user, other_user):
    event = make_event(user)
    attend(other_user, event)
    client_of(user).delete(f"/api/events/{event.pk}/")
    for url in (attendance_url(event), "/api/events/0123456789abcdef01234567/attendance/", "/api/events/nope/attendance/"):
        for method in ("get", "post", "delete"):
            assert getattr(client_of(other_user), method)(url).status_code == 404, (method, url)
    assert not Attendance.objects.filter(event_id=event.pk).exists()  # deleted with the event


def test_raising_max_attendees_promotes_in_order_and_lowering_below_going_is_a_400(user):
    event = make_event(user, max_attendees=1)
    guests = [make_user() for _ in range(4)]
    for guest in guests:
        attend(guest, event)
    creator = client_of(user)
    raised = creator.patch(f"/api/events/{event.pk}/", {"max_attendees": 3}, format="json")
    assert raised.status_code == 200
    assert (raised.json()["attendee_count"], raised.json()["waitlist_count"], raised.json()["seats_left"]) == (3, 1, 0)
    assert [m["data"]["attendee"]["username"] for m in messages("attendance.promoted")] == [g.username for g in guests[1:3]]
    assert client_of(guests[3]).get(attendance_url(event)).json() == {"status": "waitlisted", "position": 1}
    lowered = creator.patch(f"/api/events/{event.pk}/", {"max_attendees": 2}, format="json")
    assert lowered.status_code == 400
    assert "3 attendees are going" in lowered.json()["error"]["details"]["max_attendees"][0]
    assert Event.objects.get(pk=event.pk).max_attendees == 3
    unlimited = creator.patch(f"/api/events/{event.pk}/", {"max_attendees": None}, format="json")
    assert (unlimited.json()["attendee_count"], unlimited.json()["waitlist_count"]) == (4, 0)


def test_an_update_of_other_fields_keeps_the_counts(user, other_user):
    event = make_event(user, max_attendees=5)
    stale = Event.objects.get(pk=event.pk)  # loaded before the RSVP
    attend(other_user, event)
    stale.title = "Renamed"
    stale.save()
    assert Event.objects.get(pk=event.pk).attendee_count == 1
    assert detail(user, event)["attendee_count"] == 1


def test_counts_are_right_right_after_each_change_through_the_read_cache(user, other_user, settings):
    settings.EVENT_READ_CACHE_SECONDS = 60
    event = make_event(user, max_attendees=1)
    assert detail(other_user, event)["seats_left"] == 1  # now cached
    attend(other_user, event)
    assert detail(other_user, event)["seats_left"] == 0
    listed = client_of(other_user).get("/api/events/").json()["results"]
    assert [e["attendee_count"] for e in listed if e["id"] == str(event.pk)] == [1]
    client_of(other_user).delete(attendance_url(event))
    assert detail(other_user, event)["seats_left"] == 1


def test_attending_true_lists_the_events_the_caller_goes_to_or_waits_for(user, other_user, settings):
    settings.EVENT_READ_CACHE_SECONDS = 60
    full = make_event(user, title="Full", max_attendees=1)
    open_ = make_event(user, title="Open")
    make_event(user, title="Other")
    attend(user, full)
    attend(other_user, full)
    attend(other_user, open_)
    titles = lambda who: [e["title"] for e in client_of(who).get("/api/events/?attending=true").json()["results"]]  # noqa: E731
    assert sorted(titles(other_user)) == ["Full", "Open"]
    assert titles(user) == ["Full"]  # the page is the reader's own, not a cached copy of another's
    client_of(other_user).delete(attendance_url(open_))
    assert titles(other_user) == ["Full"]


def test_only_the_creator_lists_attendees_going_first_then_the_line_in_order(user, other_user):
    event = make_event(user, max_attendees=2)
    guests = [make_user() for _ in range(5)]
    for guest in guests:
        attend(guest, event)
    assert client_of(other_user).get(f"/api/events/{event.pk}/attendees/").status_code == 403
    page = client_of(user).get(f"/api/events/{event.pk}/attendees/?page_size=3").json()
    assert page["count"] == 5
    rows = page["results"]
    assert [(r["username"], r["status"], r["position"]) for r in rows] == [
        (guests[0].username, "going", None), (guests[1].username, "going", None), (guests[2].username, "waitlisted", 1),
    ]
    second = client_of(user).get(page["next"]).json()["results"]
    assert [(r["username"], r["position"]) for r in second] == [(guests[3].username, 2), (guests[4].username, 3)]
    assert all(r["since"].endswith("Z") for r in rows)


def test_deleting_an_account_gives_its_seat_to_the_line(user):
    from accounts.services import delete_account

    from .factories import PASSWORD

    event = make_event(user, max_attendees=1)
    leaving, waiting = make_user(), make_user()
    attend(leaving, event)
    attend(waiting, event)
    delete_account(user=leaving, password=PASSWORD)
    assert client_of(waiting).get(attendance_url(event)).json()["status"] == "going"
    assert (Event.objects.get(pk=event.pk).attendee_count, Event.objects.get(pk=event.pk).waitlist_count) == (1, 0)


def run_concurrently(calls):
    """Each call in its own thread with its own database connection, all released at once."""
    start = threading.Barrier(len(calls), timeout=30)

    def run(call):
        try:
            start.wait()
            return call()
        finally:
            connection.close()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def assert_invariant(event, seats):
    rows = list(Attendance.objects.filter(event=event).order_by("ticket"))
    going = [a for a in rows if a.status == "going"]
    waiting = [a for a in rows if a.status == "waitlisted"]
    stored = Event.objects.get(pk=event.pk)
    assert len(going) == min(seats, len(rows))
    assert (stored.attendee_count, stored.waitlist_count) == (len(going), len(waiting))
    from attendance.selectors import position

    assert [position(a) for a in waiting] == list(range(1, len(waiting) + 1))
    return going, waiting


def attend_as_a_client_would(user, event, tries=5):
    """`attend`, sent again after a 503 (the API's "retry shortly"): fifty RSVPs racing for one event's
    counters take the slow Python test server close to the request deadline. A 503 whose transaction did
    commit is answered 200 with that state when sent again."""
    for _ in range(tries - 1):
        answer = attend(user, event)
        if answer.status_code != 503:
            return answer
        time.sleep(0.1)
    return attend(user, event)


def test_fifty_concurrent_rsvps_for_ten_seats_end_ten_going_and_forty_in_line(user):
    event = make_event(user, max_attendees=10)
    guests = [make_user() for _ in range(50)]
    answers = run_concurrently([lambda g=g: attend_as_a_client_would(g, event) for g in guests])
    assert all(a.status_code in (200, 201) for a in answers), [a.content for a in answers if a.status_code not in (200, 201)]
    states = [a.json() for a in answers]
    assert sum(s["status"] == "going" for s in states) == 10
    assert sorted(s["position"] for s in states if s["status"] == "waitlisted") == list(range(1, 41))
    assert_invariant(event, 10)


def test_concurrent_leaves_and_joins_keep_the_invariant(user):
    event = make_event(user, max_attendees=5)
    members = [make_user() for _ in range(12)]
    for member in members:
        attend(member, event)
    newcomers = [make_user() for _ in range(10)]
    calls = [lambda m=m: client_of(m).delete(attendance_url(event)) for m in members[:8]]
    calls += [lambda n=n: attend(n, event) for n in newcomers]
    run_concurrently(calls)
    going, waiting = assert_invariant(event, 5)
    assert len(going) + len(waiting) == 14
    # One message per join and per leave, however often a conflicting transaction was retried.
    assert len(messages("attendance.going")) + len(messages("attendance.waitlisted")) == 22
    assert len(messages("attendance.left")) == 8
    promoted = {m["data"]["attendee"]["id"] for m in messages("attendance.promoted")}
    assert promoted <= {str(a.user_id) for a in going} | {str(m.pk) for m in members[5:8]}  # or promoted, then left


def test_a_retried_rsvp_with_its_idempotency_key_gets_the_first_answer_and_publishes_once(user, other_user):
    event = make_event(user, max_attendees=1)
    client = client_of(other_user)
    first = client.post(attendance_url(event), HTTP_IDEMPOTENCY_KEY="rsvp-1")
    again = client.post(attendance_url(event), HTTP_IDEMPOTENCY_KEY="rsvp-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json() == {"status": "going", "position": None}
    assert again["Idempotent-Replayed"] == "true"
    assert len(messages("attendance.going")) == 1
