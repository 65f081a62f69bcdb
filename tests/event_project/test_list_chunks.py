"""First list pages with `start_after` are cut from a cached chunk of that day's rows, byte for byte as the
database would answer them, and never show a stale event."""

from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest
from django.test import override_settings

from events import reads

from .conftest import bearer_client
from .factories import make_event
from .test_read_cache import queries_for, titles

pytestmark = pytest.mark.django_db

DAY = (datetime.now(UTC) + timedelta(days=10)).replace(hour=0, minute=0, second=0, microsecond=0)


def iso(moment: datetime) -> str:
    return quote(moment.isoformat(timespec="milliseconds").replace("+00:00", "Z"))


def at(hours: float) -> datetime:
    return DAY + timedelta(hours=hours)


def event_at(user, hours: float, **fields):
    start = at(hours)
    return make_event(user, start_time=start.isoformat(), end_time=(start + timedelta(hours=1)).isoformat(), **fields)


@pytest.fixture
def two_days(user, other_user):
    """Events over two days, three of them at the same instant (the page order breaks the tie by id)."""
    for hours in (1, 3, 3, 3, 5, 8, 13, 21, 23, 26, 30, 30, 41, 47):
        event_at(user, hours, tags=["music"] if hours % 2 else ["art"])
    event_at(other_user, 4, tags=["music"])
    event_at(other_user, 27, tags=["art"])


def from_database(client, url: str):
    with override_settings(EVENT_READ_CACHE_SECONDS=0):
        return client.get(url)


@pytest.mark.parametrize(
    "query",
    ["", "&page_size=2", "&page_size=5&tag=music", "&mine=true&page_size=3", "&status=scheduled&search=pyth&page_size=4",
     f"&start_before={iso(at(28))}&page_size=3", "&page_size=49", "&page_size=x"],
)
def test_pages_cut_from_a_chunk_equal_the_databases_and_their_next_pages_too(auth_client, two_days, query):
    statuses = []
    for hours in (0, 0.5, 3, 3.25, 4.999, 20, 23, 24, 29, 47, 47.5, 60):
        url = f"/api/events/?start_after={iso(at(hours))}{query}"
        page = auth_client.get(url)
        expected = from_database(auth_client, url)
        statuses.append(page.status_code)
        assert page.status_code == expected.status_code  # 400 once start_before is not after start_after
        assert page.content == expected.content, url
        if page.status_code == 200 and page.json()["next"]:
            assert auth_client.get(page.json()["next"]).content == from_database(auth_client, page.json()["next"]).content
    assert statuses.count(200) >= 6


def test_another_instant_of_the_same_day_is_answered_without_mongodb(auth_client, two_days):
    _, first_queries = queries_for(auth_client, f"/api/events/?start_after={iso(at(2.5))}")
    response, again_queries = queries_for(auth_client, f"/api/events/?start_after={iso(at(7.25))}")
    assert first_queries >= 1
    assert again_queries == 0
    assert response.json()["results"][0]["start_time"].startswith(at(8).strftime("%Y-%m-%dT%H"))


def test_an_event_created_inside_a_chunk_is_listed_at_once(auth_client, user, two_days):
    assert "Newcomer" not in titles(auth_client.get(f"/api/events/?start_after={iso(at(2))}"))
    event_at(user, 6, title="Newcomer")
    assert "Newcomer" in titles(auth_client.get(f"/api/events/?start_after={iso(at(2.5))}"))


def test_an_event_moved_later_is_shown_at_its_new_place_at_once(auth_client, user, two_days):
    moving = event_at(user, 6, title="Mover")
    assert titles(auth_client.get(f"/api/events/?start_after={iso(at(2))}")).index("Mover") == 5
    later = at(24 * 40)
    response = auth_client.patch(
        f"/api/events/{moving.pk}/", {"start_time": later.isoformat(), "end_time": (later + timedelta(hours=1)).isoformat()}, format="json"
    )
    assert response.status_code == 200
    url = f"/api/events/?start_after={iso(at(2.5))}"
    page = auth_client.get(url)
    assert titles(page).index("Mover") == len(titles(page)) - 1
    assert page.content == from_database(auth_client, url).content


def test_mine_chunks_belong_to_their_reader(auth_client, other_client, two_days):
    url = f"/api/events/?start_after={iso(at(0.5))}&mine=true"
    mine = {event["created_by"]["username"] for event in auth_client.get(url).json()["results"]}
    theirs = {event["created_by"]["username"] for event in other_client.get(url).json()["results"]}
    assert len(mine) == len(theirs) == 1
    assert mine != theirs


def test_a_page_that_runs_past_a_full_chunk_goes_to_mongodb(auth_client, two_days, monkeypatch):
    monkeypatch.setattr(reads, "CHUNK_ROWS", 6)
    url = f"/api/events/?start_after={iso(at(4.5))}&page_size=3"  # 6 rows from midnight; 4 of them before 4.5 h
    auth_client.get(f"/api/events/?start_after={iso(at(0.5))}&page_size=3")  # the chunk is built
    response, queries = queries_for(auth_client, url)
    assert queries >= 1
    assert response.content == from_database(auth_client, url).content


def test_a_bad_start_after_is_a_400(auth_client):
    response = auth_client.get("/api/events/?start_after=tomorrow")
    assert response.status_code == 400
    assert "start_after" in str(response.json())


def test_the_browsable_api_renders_a_chunk_page(auth_client, two_days):
    response = auth_client.get(f"/api/events/?start_after={iso(at(2))}", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")


def test_pages_are_answered_when_the_cache_is_unreachable(user, client_ip, two_days):
    from .test_read_cache import UNREACHABLE_CACHE

    url = f"/api/events/?start_after={iso(at(2))}"
    expected = from_database(bearer_client(user, client_ip), url).content
    with override_settings(CACHES=UNREACHABLE_CACHE):
        assert bearer_client(user, client_ip).get(url).content == expected


def test_any_change_retires_a_chunk(auth_client, user, two_days):
    auth_client.get(f"/api/events/?start_after={iso(at(24.5))}")
    _, queries = queries_for(auth_client, f"/api/events/?start_after={iso(at(25))}")
    assert queries == 0
    event_at(user, 5, title="The day before")
    _, queries = queries_for(auth_client, f"/api/events/?start_after={iso(at(25.5))}")
    assert queries >= 1


def test_chunks_are_used_only_in_the_order_they_are_cut_for(auth_client, two_days, monkeypatch):
    from events.views import EventCursorPagination

    assert tuple(EventCursorPagination.ordering) == reads.CHUNK_ORDERING  # else chunks would never be used
    monkeypatch.setattr(EventCursorPagination, "ordering", ("-start_time", "id"))
    auth_client.get(f"/api/events/?start_after={iso(at(2.5))}")
    response, queries = queries_for(auth_client, f"/api/events/?start_after={iso(at(7.25))}")
    assert queries >= 1  # not cut from a chunk in the wrong order
    assert response.content == from_database(auth_client, f"/api/events/?start_after={iso(at(7.25))}").content
