"""A stalled Redis (the real one, paused with CLIENT PAUSE): requests cost a timeout at most, never wait for
Redis; reads and writes are answered from MongoDB and stay correct; logins and registrations are a 503
(they cannot be counted); a change Redis could not take is written once it is back."""

import time
from contextlib import contextmanager

import pytest
import redis
from django.conf import settings
from django.core.cache import cache
from rest_framework.test import APIClient

from .conftest import bearer_client
from .factories import PASSWORD, make_event

pytestmark = pytest.mark.django_db

PAUSE_SECONDS = 4.0


@contextmanager
def redis_paused(seconds: float = PAUSE_SECONDS):
    """Redis answers no client for `seconds` (CLIENT PAUSE ALL); always over when the block ends."""
    control = redis.Redis.from_url(settings.REDIS_URL)
    ends = time.monotonic() + seconds
    control.execute_command("CLIENT", "PAUSE", int(seconds * 1000), "ALL")
    try:
        yield ends
    finally:
        time.sleep(max(0.0, ends - time.monotonic()) + 0.1)
        control.execute_command("CLIENT", "UNPAUSE")
        control.close()


def raw(key: str):
    return redis.Redis.from_url(settings.REDIS_URL).get(cache.make_key(key))


def timed(call):
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def test_during_a_stall_writes_and_reads_answer_from_the_database_and_logins_are_503(user, client_ip):
    event = make_event(user, title="Before")
    client = bearer_client(user, client_ip)
    assert client.get(f"/api/events/{event.pk}/").json()["title"] == "Before"  # a cached copy exists
    version_key = f"events:version:{event.pk}"
    version_before = raw(version_key)
    assert version_before is not None

    with redis_paused() as ends:
        write, write_seconds = timed(lambda: client.patch(f"/api/events/{event.pk}/", {"title": "After"}, format="json"))
        read, read_seconds = timed(lambda: client.get(f"/api/events/{event.pk}/"))
        login, login_seconds = timed(
            lambda: APIClient(REMOTE_ADDR=client_ip).post(
                "/api/auth/login/", {"username": user.username, "password": PASSWORD}, format="json"
            )
        )
        assert time.monotonic() < ends, "the requests took as long as the stall"
    print(f"during the stall: write {write_seconds:.3f} s, read {read_seconds:.3f} s, login {login_seconds:.3f} s")

    assert write.status_code == 200, write.content
    assert read.json()["title"] == "After"
    assert login.status_code == 503
    assert login.json()["error"]["code"] == "service_unavailable"
    assert int(login["Retry-After"]) >= 1
    # Each call waits one timeout at most, then the breaker refuses without waiting.
    bound = 3 * settings.REDIS_TIMEOUT_SECONDS + 0.5
    assert max(write_seconds, read_seconds, login_seconds) < bound

    # Back: the retired version reaches Redis without this thread reading the cache (the background retry)...
    deadline = time.monotonic() + 3 * settings.REDIS_BREAKER_SECONDS + 1
    while raw(version_key) == version_before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert raw(version_key) != version_before
    # ... and the old copy is never served again.
    assert client.get(f"/api/events/{event.pk}/").json()["title"] == "After"
    assert APIClient(REMOTE_ADDR=client_ip).post(
        "/api/auth/login/", {"username": user.username, "password": PASSWORD}, format="json"
    ).status_code == 200


def test_a_user_deactivated_during_a_stall_is_refused_once_redis_is_back(user, client_ip):
    client = bearer_client(user, client_ip)
    assert client.get("/api/auth/me/").status_code == 200  # the user is cached as active
    with redis_paused(2.0):
        user.is_active = False
        user.save()
        assert client.get("/api/auth/me/").status_code == 401  # from the database
    time.sleep(settings.REDIS_BREAKER_SECONDS + 0.2)  # the breaker closed: Redis answers this read
    assert client.get("/api/auth/me/").status_code == 401  # not the cached active record


def test_readiness_reports_a_stalled_redis_as_degraded_not_unready(api_client):
    assert api_client.get("/readyz").json() == {"status": "ok", "checks": {"mongodb": "ok", "redis": "ok"}}
    with redis_paused(1.0):
        ready = api_client.get("/readyz")
    time.sleep(settings.REDIS_BREAKER_SECONDS)  # the breaker the failed ping opened is closed for the next test
    assert ready.status_code == 200
    assert ready.json()["status"] == "degraded" and ready.json()["checks"]["redis"].startswith("error: ")
