"""Listing events: ordering, cursor pagination, and every filter."""

from datetime import UTC, datetime, timedelta

import pytest

from .factories import make_event

pytestmark = pytest.mark.django_db

URL = "/api/events/"
BASE = datetime.now(UTC).replace(microsecond=0) + timedelta(days=30)


def at(days: int) -> dict:
    start = BASE + timedelta(days=days)
    return {
        "start_time": start.isoformat().replace("+00:00", "Z"),
        "end_time": (start + timedelta(hours=2)).isoformat().replace("+00:00", "Z"),
    }


def titles(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return [event["title"] for event in response.json()["results"]]


def test_list_is_ordered_by_start_time(auth_client, user):
    for title, day in (("third", 3), ("first", 1), ("second", 2)):
        make_event(user, title=title, **at(day))
    assert titles(auth_client.get(URL)) == ["first", "second", "third"]


def test_cursor_pagination_walks_every_event_once(auth_client, user):
    for day in range(7):
        make_event(user, title=f"event {day}", **at(day))
    seen, url = [], f"{URL}?page_size=3"
    while url:
        body = auth_client.get(url).json()
        assert "count" not in body
        seen += [event["title"] for event in body["results"]]
        url = body["next"]
    assert seen == [f"event {day}" for day in range(7)]


def test_filter_by_status_and_tag(auth_client, user):
    make_event(user, title="a", status="canceled", tags=["music"], **at(1))
    make_event(user, title="b", tags=["music", "jazz"], **at(2))
    make_event(user, title="c", tags=["tech"], **at(3))
    assert titles(auth_client.get(f"{URL}?status=canceled")) == ["a"]
    assert titles(auth_client.get(f"{URL}?tag=music")) == ["a", "b"]
    assert titles(auth_client.get(f"{URL}?tag=music&status=scheduled")) == ["b"]


def test_filter_by_start_time_range(auth_client, user):
    for day in range(5):
        make_event(user, title=f"d{day}", **at(day))
    after = at(1)["start_time"]
    before = at(3)["start_time"]
    assert titles(auth_client.get(URL, {"start_after": after, "start_before": before})) == ["d1", "d2"]


def test_filter_mine(auth_client, user, other_user):
    make_event(user, title="mine", **at(1))
    make_event(other_user, title="theirs", **at(2))
    assert titles(auth_client.get(f"{URL}?mine=true")) == ["mine"]
    assert titles(auth_client.get(URL)) == ["mine", "theirs"]


def test_title_search_matches_word_prefixes_case_insensitively(auth_client, user):
    make_event(user, title="PyCon Berlin", **at(1))
    make_event(user, title="Berlin Jazz Night", **at(2))
    make_event(user, title="Conference of Birds", **at(3))
    assert titles(auth_client.get(f"{URL}?search=ber")) == ["PyCon Berlin", "Berlin Jazz Night"]
    assert titles(auth_client.get(f"{URL}?search=BERLIN jaz")) == ["Berlin Jazz Night"]
    assert titles(auth_client.get(f"{URL}?search=con")) == ["Conference of Birds"]
    assert titles(auth_client.get(f"{URL}?search=.*")) == []


def test_near_filter_finds_events_within_the_radius(auth_client, user):
    make_event(user, title="Berlin", coordinates={"type": "Point", "coordinates": [13.405, 52.52]}, **at(1))
    make_event(user, title="Potsdam", coordinates={"type": "Point", "coordinates": [13.064, 52.391]}, **at(2))
    make_event(user, title="Paris", coordinates={"type": "Point", "coordinates": [2.352, 48.856]}, **at(3))
    make_event(user, title="Nowhere", **at(4))
    assert titles(auth_client.get(f"{URL}?near=13.40,52.52&radius=5000")) == ["Berlin"]
    assert titles(auth_client.get(f"{URL}?near=13.40,52.52&radius=50000")) == ["Berlin", "Potsdam"]


@pytest.mark.parametrize(
    "query",
    ["status=postponed", "start_after=yesterday", "near=abc", "near=200,10", "radius=0&near=1,1", "page_size=x&mine=maybe"],
)
def test_invalid_filters_get_400(auth_client, query):
    response = auth_client.get(f"{URL}?{query}")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"


def test_every_list_filter_is_served_by_an_index(user):
    """MongoDB's plan for each filter must start from an index scan, not a collection scan."""
    from django.db import connection

    from events.models import Event
    from events.selectors import event_list

    make_event(user, coordinates={"type": "Point", "coordinates": [1, 1]})
    filters = [
        {"status": "scheduled"},
        {"tag": "x"},
        {"start_after": BASE},
        {"mine": True},
        {"search": "pyth"},
        {"near": (1.0, 1.0), "radius": 1000},
    ]
    collection = connection.get_collection(Event._meta.db_table)
    if _is_rust_secantus(connection):
        filters.remove({"near": (1.0, 1.0), "radius": 1000})  # docs/mongodb-compat.md, difference 5
    elif _is_secantus(connection):
        filters.remove({"search": "pyth"})  # `$elemMatch` scans on the Python server: docs/mongodb-compat.md, 3
    for query_filters in filters:
        queryset = event_list(user=user, filters=query_filters)
        match = queryset.query.get_compiler("default").build_query().match_mql
        plan = collection.find(match).explain()["queryPlanner"]["winningPlan"]
        assert "IXSCAN" in str(plan), (query_filters, plan)


@pytest.mark.parametrize(
    "query_filters", [{"status": "scheduled"}, {"tag": "x"}, {"start_after": BASE}, {"mine": True}]
)
def test_each_filter_has_an_index_that_also_gives_the_list_order(user, query_filters):
    """An index of the filter's equality fields followed by the page order, so that MongoDB walks a page
    off the index and stops at its size, instead of sorting every matching event. Not `search`: a search
    word is a range on the title's words, so its page is sorted after the match (decision 87)."""
    from django.db import connection

    from events.models import Event
    from events.selectors import event_list

    queryset = event_list(user=user, filters=query_filters).order_by(*Event._meta.ordering)
    compiler = queryset.query.get_compiler("default")
    compiler.pre_sql_setup()
    query = compiler.build_query()
    equality = [field for field, condition in query.match_mql.items() if not _is_operator(condition)]
    order = list(query.ordering.items())
    assert order == [("start_time", 1), ("_id", 1)], order
    indexes = connection.get_collection(Event._meta.db_table).index_information().values()
    assert any(
        {key for key, _ in index["key"][: len(equality)]} == set(equality) and index["key"][len(equality) :] == order
        for index in indexes
    ), (query.match_mql, [index["key"] for index in indexes])


def _is_operator(condition) -> bool:
    return isinstance(condition, dict) and all(key.startswith("$") for key in condition) and "$eq" not in condition


def _is_rust_secantus(connection) -> bool:
    """The Rust SecantusDB server (the benchmark's MongoDB) reports a rustc build."""
    info = connection.connection.admin.command("buildInfo")
    return _is_secantus(connection) and info.get("buildEnvironment", {}).get("cc") == "rustc"


def _is_secantus(connection) -> bool:
    """Either SecantusDB server (the Python one, which the test command starts, or the Rust one)."""
    return "secantusVersion" in connection.connection.admin.command("buildInfo")
