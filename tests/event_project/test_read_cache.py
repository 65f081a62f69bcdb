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


# Every change of any event retires every list page; a page's copy never outlives its lifetime.


def at_day(user, title, day: float):
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=day)
    return make_event(
        user, title=title, start_time=start.isoformat(), end_time=(start + timedelta(hours=1)).isoformat()
    )


def move(client, event, day: float):
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=day)
    body = {"start_time": start.isoformat(), "end_time": (start + timedelta(hours=1)).isoformat()}
    assert client.patch(f"/api/events/{event.pk}/", body, format="json").status_code == 200


@pytest.fixture
def three_days(user):
    """Events on days 1, 2 and 3; the first page of two ends on day 2."""
    return [at_day(user, f"day {day}", day) for day in (1, 2, 3)]


FIRST_TWO = "/api/events/?page_size=2"


def test_an_event_created_inside_a_page_is_listed_at_once(auth_client, user, three_days):
    assert titles(auth_client.get(FIRST_TWO)) == ["day 1", "day 2"]
    at_day(user, "day 1.5", 1.5)
    assert titles(auth_client.get(FIRST_TWO)) == ["day 1", "day 1.5"]


def test_an_event_moved_into_or_out_of_a_page_is_shown_at_once(auth_client, user, three_days):
    assert titles(auth_client.get(FIRST_TWO)) == ["day 1", "day 2"]
    move(auth_client, three_days[2], 0.5)
    assert titles(auth_client.get(FIRST_TWO)) == ["day 3", "day 1"]
    move(auth_client, three_days[0], 30)
    assert titles(auth_client.get(FIRST_TWO)) == ["day 3", "day 2"]


def test_an_event_moved_without_the_api_is_listed_at_once(auth_client, user, three_days):
    assert titles(auth_client.get(FIRST_TWO)) == ["day 1", "day 2"]
    loaded = type(three_days[2]).objects.get(pk=three_days[2].pk)
    loaded.start_time = loaded.start_time - timedelta(days=2, hours=12)
    loaded.end_time = loaded.start_time + timedelta(hours=1)
    loaded.save()
    assert titles(auth_client.get(FIRST_TWO)) == ["day 3", "day 1"]


def test_a_page_behind_a_cursor_sees_a_change_at_once(auth_client, user, three_days):
    second = auth_client.get(FIRST_TWO).json()["next"]
    assert titles(auth_client.get(second)) == ["day 3"]
    _, queries = queries_for(auth_client, second)
    assert queries == 0
    at_day(user, "day 10", 10)
    assert titles(auth_client.get(second)) == ["day 3", "day 10"]


def test_a_malformed_cursor_is_a_400_in_the_error_shape(auth_client, three_days):
    response = auth_client.get("/api/events/?cursor=not-a-cursor")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_cursor"


def test_a_lost_list_version_retires_every_page(auth_client, user, three_days):
    from events import reads

    auth_client.get(FIRST_TWO)
    cache.delete(reads.LIST_VERSION_KEY)
    _, queries = queries_for(auth_client, FIRST_TWO)
    assert queries >= 1


def copy_keys() -> set[bytes]:
    return set(cache.redis().scan_iter(match=cache.make_key("events:read:*"), count=1000))


def test_unknown_query_parameters_never_create_copies(auth_client, user, three_days):
    before = copy_keys()
    for n in range(200):
        response = auth_client.get(f"/api/events/?page_size=2&x{n}={n}")
        assert response.status_code == 200
        assert titles(response) == ["day 1", "day 2"]
    assert copy_keys() - before == set()  # (an earlier test's copy may expire meanwhile)


def test_spellings_of_the_same_filters_share_one_copy(auth_client, user, three_days):
    before = copy_keys()
    for query in ("status=scheduled&page_size=2", "page_size=2&status=scheduled", "status=scheduled&page_size=02"):
        assert titles(auth_client.get(f"/api/events/?{query}")) == ["day 1", "day 2"]
    assert len(copy_keys() - before) == 1


def test_a_copy_is_never_served_past_its_lifetime_when_a_change_could_not_be_recorded(
    auth_client, user, settings, monkeypatch
):
    import time

    from events import reads

    settings.EVENT_READ_CACHE_SECONDS = 2
    event = make_event(user, title="Before")
    url = f"/api/events/{event.pk}/"
    assert auth_client.get(url).json()["title"] == "Before"
    built = time.monotonic()
    assert 0 < cache.redis().ttl(cache.make_key(f"events:read:detail:{event.pk}")) <= 2
    real_set_many = cache.set_many

    def refuse_versions(mapping, *args, **kwargs):
        if any(key.startswith("events:version:") for key in mapping):
            raise ConnectionError("Redis refused the change record")
        return real_set_many(mapping, *args, **kwargs)

    monkeypatch.setattr(cache, "set_many", refuse_versions)
    event.title = "After"
    event.save()  # committed; the change could not be recorded, so the copy says "Before" until it expires
    seen = []
    while time.monotonic() - built < 3.5:
        seen.append((time.monotonic() - built, auth_client.get(url).json()["title"]))
        time.sleep(0.1)
    assert all(title == "After" for elapsed, title in seen if elapsed > 2.05), seen
    assert seen[-1][1] == "After"


def test_copies_live_exactly_the_setting(auth_client, user, settings):
    from events import reads

    settings.EVENT_READ_CACHE_SECONDS = 60
    event = make_event(user)
    before = copy_keys()
    auth_client.get(f"/api/events/{event.pk}/")
    auth_client.get("/api/events/")
    ttls = [cache.redis().ttl(key) for key in copy_keys() - before]
    assert ttls and all(55 <= ttl <= 60 for ttl in ttls), ttls
    assert reads.VERSION_SECONDS > 60


def test_nothing_in_redis_is_a_pickle(auth_client, user):
    import pickle

    event = make_event(user)
    auth_client.get(f"/api/events/{event.pk}/")
    auth_client.get("/api/events/")
    auth_client.get(f"/api/events/?start_after={quote(datetime.now(UTC).isoformat())}")
    keys = list(cache.redis().scan_iter(match=cache.make_key("*"), count=1000))
    assert keys
    for key in keys:
        value = cache.redis().get(key)
        if value is None or value.isdigit():
            continue
        assert value[:1] in (b"b", b"j"), (key, value[:20])  # a pickle starts with its protocol opcode, 0x80
        assert not value.startswith(pickle.PROTO), key


def test_a_permission_added_to_the_view_applies_to_a_cached_read(auth_client, user, monkeypatch):
    from rest_framework.permissions import BasePermission

    from events.views import EventDetailApi, EventListCreateApi

    class NobodyOnSundays(BasePermission):
        def has_permission(self, request, view):
            return False

    event = make_event(user)
    for url in (f"/api/events/{event.pk}/", "/api/events/"):
        auth_client.get(url)
        _, queries = queries_for(auth_client, url)
        assert queries == 0  # the copy is current
    for view in (EventDetailApi, EventListCreateApi):
        monkeypatch.setattr(view, "permission_classes", [*view.permission_classes, NobodyOnSundays])
    for url in (f"/api/events/{event.pk}/", "/api/events/"):
        response = auth_client.get(url)
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "permission_denied"


def test_a_throttle_added_to_the_view_applies_to_a_cached_read(auth_client, user, monkeypatch):
    from rest_framework.throttling import UserRateThrottle

    from events.views import EventDetailApi

    class TwoAMinute(UserRateThrottle):
        scope = "test-detail"
        rate = "2/min"

        def get_cache_key(self, request, view):
            return f"test-throttle-{request.user.pk}-{event.pk}"

    event = make_event(user)
    auth_client.get(f"/api/events/{event.pk}/")  # the copy is built
    monkeypatch.setattr(EventDetailApi, "throttle_classes", [TwoAMinute])
    statuses = [auth_client.get(f"/api/events/{event.pk}/").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
