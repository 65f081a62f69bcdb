"""A full Redis (a private redis-server with `maxmemory` and the `noeviction` policy compose uses): Redis
refuses writes with an out-of-memory error, and no request answers 500 for it. Writes and reads answer
from MongoDB as in a Redis stall; logins are a 503 (they cannot be counted); nothing was evicted."""

import shutil
import subprocess
import threading
import time

import pytest
import redis
from django.conf import settings
from django.core.cache import caches
from django.test import override_settings
from rest_framework.test import APIClient

from manage_scripts.embedded_mongo import free_port

from .conftest import bearer_client
from .factories import PASSWORD, make_event

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not shutil.which("redis-server"), reason="needs redis-server to start a private one"),
]


def fill(client: redis.Redis) -> None:
    filler = b"x" * 64 * 1024
    try:
        for n in range(1000):
            client.set(f"filler:{n}", filler)
    except redis.exceptions.OutOfMemoryError:
        pass
    with pytest.raises(redis.exceptions.OutOfMemoryError):
        client.set("one-more", filler)


@pytest.fixture
def private_redis(tmp_path):
    """(client, fill): a private Redis with a 4 MB cap as the cache, and a function that fills it."""
    port = free_port()
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--save", "", "--appendonly", "no", "--dir", str(tmp_path),
         "--maxmemory", "4mb", "--maxmemory-policy", "noeviction"],
        stdout=subprocess.DEVNULL,
    )
    client = redis.Redis(port=port)
    try:
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        url = f"redis://127.0.0.1:{port}/0"
        caches_setting = {"default": {**settings.CACHES["default"], "LOCATION": url}}
        with override_settings(CACHES=caches_setting, REDIS_URL=url):
            yield client, lambda: fill(client)
    finally:
        caches["default"].close()
        server.terminate()
        server.wait(timeout=10)


def test_a_full_redis_costs_no_500_serves_nothing_stale_and_evicts_nothing(user, client_ip, private_redis):
    redis_client, fill = private_redis
    client = bearer_client(user, client_ip)
    body = {"title": "Full", "description": "d", "location": "Porto", "start_time": "2031-01-01T10:00:00Z", "end_time": "2031-01-01T11:00:00Z"}
    cached = client.post("/api/events/", body, format="json").json()["id"]
    assert client.get(f"/api/events/{cached}/").json()["title"] == "Full"  # a copy in Redis
    fill()
    redis_client.config_set("maxmemory", "1mb")  # and well past it, so that no write squeezes in later
    keys_before = redis_client.dbsize()

    created = client.post("/api/events/", body, format="json")
    assert created.status_code == 201, created.content
    renamed = client.patch(f"/api/events/{cached}/", {"title": "Fuller"}, format="json")
    assert renamed.status_code == 200, renamed.content
    time.sleep(1.1)  # past any breaker and a retry: reads go to Redis, which still reads
    # Read by another thread, whose cache object (Django keeps one per thread) holds no pending change, as
    # another worker's would: it must not get the copy from before the rename.
    reads = []
    reader = threading.Thread(target=lambda: reads.append(bearer_client(user, client_ip).get(f"/api/events/{cached}/").json()))
    reader.start()
    reader.join(timeout=10)
    assert reads and reads[0]["title"] == "Fuller", reads
    assert client.get(f"/api/events/{created.json()['id']}/").status_code == 200
    assert client.get("/api/events/").status_code == 200
    login = APIClient(REMOTE_ADDR=client_ip).post("/api/auth/login/", {"username": user.username, "password": PASSWORD}, format="json")
    assert login.status_code == 503 and login.json()["error"]["code"] == "service_unavailable"
    assert redis_client.dbsize() == keys_before - 2  # noeviction: only the two retired versions went
    assert all(redis_client.exists(f"filler:{n}") for n in range(10))
