"""Title search by word prefix: what an event stores, the query one search word becomes, and the migration that
filled the stored words in."""

import importlib
from datetime import UTC, datetime, timedelta

import pytest
from bson import ObjectId
from django.apps import apps
from django.db import connection
from eventhub_common.mongo_lookups import prefix_upper_bound

from .factories import make_event

pytestmark = pytest.mark.django_db

URL = "/api/events/"
BASE = datetime.now(UTC).replace(microsecond=0) + timedelta(days=30)


def at(days: int) -> dict:
    start = BASE + timedelta(days=days)
    return {"start_time": start.isoformat(), "end_time": (start + timedelta(hours=2)).isoformat()}


def titles(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return [event["title"] for event in response.json()["results"]]


def stored(event) -> dict:
    return connection.get_collection("events_event").find_one({"_id": event.pk})


@pytest.mark.parametrize(
    "prefix, bound",
    [
        ("pyc", "pyd"),
        ("z", "{"),
        ("ü", "ý"),
        ("a\ud7ff", "a\ue000"),  # the next code point is a surrogate, which no string holds
        ("ab\U0010ffff", "ac"),  # the highest code point carries over to the character before it
        ("\U0010ffff\U0010ffff", None),  # nothing is above every string starting with it
        ("", None),
    ],
)
def test_prefix_upper_bound_is_the_least_string_above_every_string_with_that_prefix(prefix, bound):
    assert prefix_upper_bound(prefix) == bound


def test_a_search_word_is_a_range_on_one_element_of_the_title_words():
    from events.models import Event

    query = Event.objects.filter(title_words__has_element_startswith="pyc").query
    match = query.get_compiler("default").build_query().match_mql
    assert match == {"title_words": {"$elemMatch": {"$gte": "pyc", "$lt": "pyd"}}}


def test_an_event_stores_its_titles_distinct_lowercased_words_and_no_prefixes(user):
    event = make_event(user, title="PyCon Berlin: PyCon 2027")
    assert stored(event)["title_words"] == ["pycon", "berlin", "2027"]
    assert "title_prefixes" not in stored(event)


def test_a_title_matches_only_when_one_of_its_words_holds_the_whole_prefix(auth_client, user):
    """"aaa" is below "aab" and "zzz" above "aac": a range over the whole array would match them together."""
    make_event(user, title="Aaa Zzz", **at(1))
    make_event(user, title="Aabc", **at(2))
    assert titles(auth_client.get(URL, {"search": "aab"})) == ["Aabc"]


def test_search_matches_words_beyond_ascii_and_beyond_thirty_characters(auth_client, user):
    long_word = "x" * 32 + "long" + "y" * 10
    make_event(user, title="Straße Ünïcode", **at(1))
    make_event(user, title=f"The {long_word}", **at(2))
    assert titles(auth_client.get(URL, {"search": "STRA ünï"})) == ["Straße Ünïcode"]
    assert titles(auth_client.get(URL, {"search": long_word[:40]})) == [f"The {long_word}"]
    assert titles(auth_client.get(URL, {"search": "x" * 32 + "lx"})) == []


def test_search_pages_follow_start_time_not_the_order_of_the_matching_words(auth_client, user):
    for title, day in (("Berlin late", 5), ("Bern early", 1), ("Berliner middle", 3), ("Bergen next", 4), ("Oslo", 2)):
        make_event(user, title=title, **at(day))
    seen, url = [], f"{URL}?search=ber&page_size=2"
    while url:
        seen += titles(response := auth_client.get(url))
        url = response.json()["next"]
    assert seen == ["Bern early", "Berliner middle", "Bergen next", "Berlin late"]


def test_a_changed_title_is_found_by_its_new_words_only(auth_client, user):
    event = make_event(user, title="Jazz Night", **at(1))
    response = auth_client.patch(f"{URL}{event.pk}/", {"title": "Blues Evening"}, format="json")
    assert response.status_code == 200, response.json()
    assert titles(auth_client.get(URL, {"search": "jaz"})) == []
    assert titles(auth_client.get(URL, {"search": "blu eve"})) == ["Blues Evening"]
    assert stored(event)["title_words"] == ["blues", "evening"]


def test_the_migration_fills_title_words_for_stored_events_in_batches(monkeypatch):
    migration = importlib.import_module("events.migrations.0007_title_words")
    monkeypatch.setattr(migration, "BATCH", 2)
    collection = connection.get_collection("events_event")
    ids = [ObjectId() for _ in range(5)]
    collection.insert_many(
        [{"_id": pk, "title": f"Old Event {n}", "title_words": []} for n, pk in enumerate(ids)],
        session=connection.session,
    )

    class SchemaEditor:
        pass

    editor = SchemaEditor()
    editor.connection = connection
    migration.fill_title_words(apps, editor)
    filled = {doc["_id"]: doc["title_words"] for doc in collection.find({"_id": {"$in": ids}})}
    assert filled == {pk: ["old", "event", str(n)] for n, pk in enumerate(ids)}
    migration.fill_title_prefixes(apps, editor)
    prefixes = collection.find_one({"_id": ids[0]})["title_prefixes"]
    assert prefixes == ["o", "ol", "old", "e", "ev", "eve", "even", "event", "0"]
