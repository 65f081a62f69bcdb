"""Event reads are served from the shared cache until an event changes, and never show a stale event after it."""

from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from .conftest import bearer_client
from .factories import event_payload, make_event, make_user

pytestmark = pytest.mark.django_db

# A Redis address nothing listens on: every cache call fails at once.
UNREACHABLE_CACHE = {"default": {"BACKEND": "eventhub_common.redis_cache.ReusedClientRedisCache", "LOCATION": "redis://127.0.0.1:1/0"}}


def queries_for(client, url, **extra) -> tuple[object, int]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, **extra)
    return response, len(captured.captured_queries)


def titles(response) -> list[str]:
    return [event["title"] for event in response.json()["results"]]


def test_a_repeated_detail_read_does_not_query_mongodb(auth_client, user):
    event = make_event(user)
    first, first_queries = queries_for(auth_client, f"/api/events/{event.pk}/")
    again, again_queries = queries_for(auth_client, f"/api/events/{event.pk}/")
    assert first_queries >= 1
    assert again_queries == 0
    assert again.status_code == 200
    assert again["Content-Type"] == "application/json"
    assert again.json() == first.json()


def test_a_repeated_list_page_does_not_query_mongodb(auth_client, user):
    make_event(user, title="Cached page")
    first, first_queries = queries_for(auth_client, "/api/events/?page_size=5")
    again, again_queries = queries_for(auth_client, "/api/events/?page_size=5")
    assert first_queries >= 1 and again_queries == 0
    assert again.json() == first.json()


def test_an_update_through_the_api_is_read_at_once(auth_client, user):
    event = make_event(user, title="Before")
    assert auth_client.get(f"/api/events/{event.pk}/").json()["title"] == "Before"
    assert titles(auth_client.get("/api/events/")) == ["Before"]
    assert auth_client.patch(f"/api/events/{event.pk}/", {"title": "After"}, format="json").status_code == 200
    assert auth_client.get(f"/api/events/{event.pk}/").json()["title"] == "After"
    assert titles(auth_client.get("/api/events/")) == ["After"]


def test_a_change_made_outside_the_api_is_read_at_once(auth_client, user):
    event = make_event(user, title="Before")
    assert auth_client.get(f"/api/events/{event.pk}/").json()["title"] == "Before"
    event.title = "Changed in the admin"
    event.save()
    assert auth_client.get(f"/api/events/{event.pk}/").json()["title"] == "Changed in the admin"


def test_another_users_new_event_appears_in_a_cached_list(auth_client, other_client, user):
    make_event(user, title="Mine")
    assert titles(auth_client.get("/api/events/")) == ["Mine"]
    assert other_client.post("/api/events/", {**event_payload(), "title": "Theirs"}, format="json").status_code == 201
    assert sorted(titles(auth_client.get("/api/events/"))) == ["Mine", "Theirs"]


def test_a_deleted_event_leaves_detail_and_list(auth_client, user):
    event = make_event(user, title="Doomed")
    assert auth_client.get(f"/api/events/{event.pk}/").status_code == 200
    assert titles(auth_client.get("/api/events/")) == ["Doomed"]
    assert auth_client.delete(f"/api/events/{event.pk}/").status_code == 204
    assert auth_client.get(f"/api/events/{event.pk}/").status_code == 404
    assert titles(auth_client.get("/api/events/")) == []


def test_mine_is_cached_per_reader(auth_client, other_client, user, other_user):
    make_event(user, title="Mine")
    make_event(other_user, title="Theirs")
    assert titles(auth_client.get("/api/events/?mine=true")) == ["Mine"]
    assert titles(other_client.get("/api/events/?mine=true")) == ["Theirs"]


def test_a_renamed_creator_is_shown_at_once(auth_client, user):
    event = make_event(user)
    assert auth_client.get(f"/api/events/{event.pk}/").json()["created_by"]["username"] == user.username
    user.username = "renamed_creator"
    user.save()
    assert auth_client.get(f"/api/events/{event.pk}/").json()["created_by"]["username"] == "renamed_creator"
    assert auth_client.get("/api/events/").json()["results"][0]["created_by"]["username"] == "renamed_creator"


def test_page_links_keep_the_host_each_client_asked_for(auth_client, user):
    make_event(user, title="one")
    make_event(user, title="two")
    for host in ("localhost", "127.0.0.1"):
        assert auth_client.get("/api/events/?page_size=1", HTTP_HOST=host).json()["next"].startswith(f"http://{host}/")


def test_an_unknown_id_is_404_every_time(auth_client):
    for _ in range(2):
        assert auth_client.get("/api/events/0123456789abcdef01234567/").status_code == 404


def test_an_id_in_upper_case_reads_the_same_event_and_sees_its_changes(auth_client, user):
    event = make_event(user, title="Before")
    upper = str(event.pk).upper()
    assert auth_client.get(f"/api/events/{upper}/").json()["title"] == "Before"
    auth_client.patch(f"/api/events/{event.pk}/", {"title": "After"}, format="json")
    assert auth_client.get(f"/api/events/{upper}/").json()["title"] == "After"


def test_the_browsable_api_still_renders_html(auth_client, user):
    event = make_event(user)
    auth_client.get(f"/api/events/{event.pk}/")  # a JSON copy is cached
    response = auth_client.get(f"/api/events/{event.pk}/", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")


def test_reads_are_answered_when_the_cache_is_unreachable(user, client_ip):
    event = make_event(user, title="Still here")
    with override_settings(CACHES=UNREACHABLE_CACHE):
        client = bearer_client(user, client_ip)
        assert client.get(f"/api/events/{event.pk}/").json()["title"] == "Still here"
        assert titles(client.get("/api/events/")) == ["Still here"]


@override_settings(EVENT_READ_CACHE_SECONDS=0)
def test_the_cache_can_be_turned_off(auth_client, user):
    event = make_event(user)
    auth_client.get(f"/api/events/{event.pk}/")
    _, queries = queries_for(auth_client, f"/api/events/{event.pk}/")
    assert queries >= 1


def test_users_created_later_do_not_retire_copies(auth_client, user):
    event = make_event(user)
    auth_client.get(f"/api/events/{event.pk}/")
    make_user()
    _, queries = queries_for(auth_client, f"/api/events/{event.pk}/")
    assert queries == 0


def test_writes_succeed_when_the_cache_is_unreachable(user, client_ip):
    event = make_event(user, title="Before")
    with override_settings(CACHES=UNREACHABLE_CACHE):
        client = bearer_client(user, client_ip)
        assert client.patch(f"/api/events/{event.pk}/", {"title": "After"}, format="json").status_code == 200
    assert bearer_client(user, client_ip).get(f"/api/events/{event.pk}/").json()["title"] == "After"


# A first page with more after it ends at its last row's start: changes that start later leave it current.


def at_day(user, title, day: float):
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=day)
    return make_event(
        user, title=title, start_time=start.isoformat(), end_time=(start + timedelta(hours=1)).isoformat()
    )


def iso_day(day: float) -> str:
    return (datetime.now(UTC).replace(microsecond=0) + timedelta(days=day)).isoformat()


def move(client, event, day: float):
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=day)
    body = {"start_time": start.isoformat(), "end_time": (start + timedelta(hours=1)).isoformat()}
    assert client.patch(f"/api/events/{event.pk}/", body, format="json").status_code == 200


@pytest.fixture
def three_days(user):
    """Events on days 1, 2 and 3; the first page of two ends on day 2."""
    return [at_day(user, f"day {day}", day) for day in (1, 2, 3)]


FIRST_TWO = "/api/events/?page_size=2"


def test_a_first_page_stays_current_when_a_later_event_is_created(auth_client, user, three_days):
    first = auth_client.get(FIRST_TWO)
    at_day(user, "day 10", 10)
    again, queries = queries_for(auth_client, FIRST_TWO)
    assert queries == 0
    assert again.json() == first.json()


def test_a_first_page_stays_current_when_a_later_event_changes_or_goes(auth_client, user, three_days):
    first = auth_client.get(FIRST_TWO)
    move(auth_client, three_days[2], 20)
    assert auth_client.delete(f"/api/events/{three_days[2].pk}/").status_code == 204
    again, queries = queries_for(auth_client, FIRST_TWO)
    assert queries == 0
    assert again.json() == first.json()


def test_an_event_created_inside_the_window_is_listed_at_once(auth_client, user, three_days):
    assert titles(auth_client.get(FIRST_TWO)) == ["day 1", "day 2"]
    at_day(user, "day 1.5", 1.5)
    assert titles(auth_client.get(FIRST_TWO)) == ["day 1", "day 1.5"]


def test_an_event_moved_into_the_window_is_listed_at_once(auth_client, user, three_days):
    assert titles(auth_client.get(FIRST_TWO)) == ["day 1", "day 2"]
    move(auth_client, three_days[2], 0.5)
    assert titles(auth_client.get(FIRST_TWO)) == ["day 3", "day 1"]


def test_an_event_moved_out_of_the_window_leaves_it_at_once(auth_client, user, three_days):
    assert titles(auth_client.get(FIRST_TWO)) == ["day 1", "day 2"]
    move(auth_client, three_days[0], 30)
    assert titles(auth_client.get(FIRST_TWO)) == ["day 2", "day 3"]


def test_an_event_moved_without_the_api_is_listed_at_once(auth_client, user, three_days):
    assert titles(auth_client.get(FIRST_TWO)) == ["day 1", "day 2"]
    loaded = type(three_days[2]).objects.get(pk=three_days[2].pk)
    loaded.start_time = loaded.start_time - timedelta(days=2, hours=12)
    loaded.end_time = loaded.start_time + timedelta(hours=1)
    loaded.save()
    assert titles(auth_client.get(FIRST_TWO)) == ["day 3", "day 1"]


def test_a_last_page_is_retired_by_any_change(auth_client, user, three_days):
    assert titles(auth_client.get("/api/events/?page_size=5")) == ["day 1", "day 2", "day 3"]
    at_day(user, "day 10", 10)
    assert titles(auth_client.get("/api/events/?page_size=5")) == ["day 1", "day 2", "day 3", "day 10"]


def test_a_last_page_before_start_before_outlives_changes_after_it(auth_client, user, three_days):
    url = f"/api/events/?page_size=5&start_before={quote(iso_day(4))}"
    assert titles(auth_client.get(url)) == ["day 1", "day 2", "day 3"]
    at_day(user, "day 10", 10)
    _, queries = queries_for(auth_client, url)
    assert queries == 0
    at_day(user, "day 3.5", 3.5)
    assert titles(auth_client.get(url)) == ["day 1", "day 2", "day 3", "day 3.5"]


def test_a_start_after_page_outlives_changes_before_its_start_after(auth_client, user, three_days):
    url = f"/api/events/?page_size=100&start_after={quote(iso_day(1.5))}"  # too large for a chunk (list_chunks)
    assert titles(auth_client.get(url)) == ["day 2", "day 3"]
    move(auth_client, three_days[0], 1.2)
    _, queries = queries_for(auth_client, url)
    assert queries == 0
    move(auth_client, three_days[0], 2.5)
    assert titles(auth_client.get(url)) == ["day 2", "day 1", "day 3"]


def test_a_page_behind_a_cursor_is_retired_by_any_change(auth_client, user, three_days):
    second = auth_client.get(FIRST_TWO).json()["next"]
    assert titles(auth_client.get(second)) == ["day 3"]
    at_day(user, "day 10", 10)
    assert titles(auth_client.get(second)) == ["day 3", "day 10"]


def test_a_lost_list_version_retires_every_page(auth_client, user, three_days):
    from events import read_cache

    auth_client.get(FIRST_TWO)
    for key in (read_cache.LIST_EPOCH_KEY, read_cache.LIST_COUNTER_KEY):
        auth_client.get(FIRST_TWO)
        cache.delete(key)
        _, queries = queries_for(auth_client, FIRST_TWO)
        assert queries >= 1, key


def test_a_page_too_far_behind_the_log_is_rebuilt(auth_client, user, three_days, monkeypatch):
    from events import read_cache

    monkeypatch.setattr(read_cache, "LOG_READ_LIMIT", 1)
    auth_client.get(FIRST_TWO)
    at_day(user, "day 10", 10)
    at_day(user, "day 11", 11)
    _, queries = queries_for(auth_client, FIRST_TWO)
    assert queries >= 1


@override_settings(EVENT_READ_CACHE_SECONDS=60)
def test_copies_made_together_expire_apart_and_never_later_than_the_setting(auth_client, user):
    from events.read_cache import detail_keys

    events = [make_event(user, title=f"ttl {n}") for n in range(12)]
    for event in events:
        assert auth_client.get(f"/api/events/{event.pk}/").status_code == 200
    ttls = [cache.redis().ttl(cache.make_key(detail_keys(event.pk).copy_key)) for event in events]
    assert all(45 <= ttl <= 60 for ttl in ttls), ttls
    assert len(set(ttls)) > 1, ttls
