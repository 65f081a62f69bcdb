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
