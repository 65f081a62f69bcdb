"""A stalled MongoDB (the embedded server stopped with SIGSTOP): a request that needs it answers 503 with
Retry-After within DATABASE_REQUEST_TIMEOUT_SECONDS; one the caches can answer still answers; afterwards
everything works again."""

import os
import time
from contextlib import contextmanager

import pytest
from django.test import override_settings
from manage_scripts.embedded_mongo import server_process, stalled

from .conftest import bearer_client
from .factories import make_event

pytestmark = pytest.mark.django_db

DEADLINE = 1.0


@contextmanager
def database_stopped():
    server = server_process(os.environ["MONGODB_URI"])
    if server is None:
        pytest.skip("MONGODB_URI is not the test command's embedded server")
    with stalled(server):
        yield


def timed(call):
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


@override_settings(DATABASE_REQUEST_TIMEOUT_SECONDS=DEADLINE)
def test_a_stalled_database_is_a_bounded_503_and_cached_reads_still_answer(user, client_ip):
    event = make_event(user, title="Cached")
    client = bearer_client(user, client_ip)
    assert client.get(f"/api/events/{event.pk}/").status_code == 200  # the user and the copy are cached
    with database_stopped():
        write, write_seconds = timed(lambda: client.patch(f"/api/events/{event.pk}/", {"title": "New"}, format="json"))
        listing, listing_seconds = timed(lambda: client.get("/api/events/?mine=true&unknown=1"))  # never cached
        cached, _ = timed(lambda: client.get(f"/api/events/{event.pk}/"))
    print(f"during the stall: write {write_seconds:.2f} s, uncached read {listing_seconds:.2f} s")
    for response, seconds in ((write, write_seconds), (listing, listing_seconds)):
        assert response.status_code == 503, response.content
        assert response.json()["error"]["code"] == "service_unavailable"
        assert int(response["Retry-After"]) >= 1
        assert seconds < DEADLINE + 1.5
    assert cached.status_code == 200 and cached.json()["title"] == "Cached"
    assert client.patch(f"/api/events/{event.pk}/", {"title": "New"}, format="json").status_code == 200
    assert client.get(f"/api/events/{event.pk}/").json()["title"] == "New"


def test_a_commit_cut_off_by_the_deadline_leaves_the_connection_usable(user):
    """The deadline expiring inside `commitTransaction` (the database stalled between the last statement and
    the commit) must not leave the backend holding that session: the backend starts a transaction only
    when it has none, so every later transaction of the thread would run outside one and fail at commit
    ("No transaction started"), seen as a worker answering 500 after a MongoDB stall."""
    import threading

    import pymongo
    from eventhub_common.mongo_transactions import transactional

    from events.models import Event

    server = server_process(os.environ["MONGODB_URI"])
    if server is None:
        pytest.skip("MONGODB_URI is not the test command's embedded server")

    @transactional
    def rename_then_stall(event_id, title):
        Event.objects.filter(pk=event_id).update(title=title)
        server.suspend()  # the commit that follows waits for a stopped server
        threading.Timer(DEADLINE + 0.5, server.resume).start()

    @transactional
    def rename(event_id, title):
        Event.objects.filter(pk=event_id).update(title=title)

    event = make_event(user, title="Before")
    try:
        with pytest.raises(pymongo.errors.PyMongoError), pymongo.timeout(DEADLINE):
            rename_then_stall(event.pk, "Cut off")
    finally:
        time.sleep(DEADLINE + 0.6)
        server.resume()
    rename(event.pk, "After")
    assert Event.objects.get(pk=event.pk).title == "After"
