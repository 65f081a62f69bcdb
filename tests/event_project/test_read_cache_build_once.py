"""Readers that miss the same copy at once run its queries once: one builds, the others wait for its copy."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from bson import ObjectId
from django.core.cache import cache

from core.exceptions import NotFound
from events import read_cache

READERS = 6


class Builds:
    """A `build` for `cached_json` that counts its calls and takes `seconds`; `answers` are returned in turn."""

    def __init__(self, *answers, seconds=0.2, during=None):
        self.answers, self.seconds, self.during = list(answers), seconds, during
        self.calls = 0
        self.lock = threading.Lock()

    def __call__(self):
        with self.lock:
            self.calls += 1
            answer = self.answers[min(self.calls, len(self.answers)) - 1]
        time.sleep(self.seconds)
        if self.during is not None and answer is self.answers[0]:
            self.during()
        if isinstance(answer, Exception):
            raise answer
        return answer, None


def read_at_once(keys, build, readers=READERS) -> list:
    """`cached_json(keys, build)` from `readers` threads released together: each one's bytes or exception."""
    start = threading.Barrier(readers)

    def read(_):
        start.wait()
        try:
            return read_cache.cached_json(keys, build)
        except Exception as error:  # noqa: BLE001 - the reader's answer
            return error

    with ThreadPoolExecutor(readers) as pool:
        return list(pool.map(read, range(readers)))


@pytest.fixture
def keys():
    return read_cache.detail_keys(ObjectId())


def test_readers_missing_one_copy_at_once_build_it_once(keys):
    build = Builds(b'{"title": "once"}')
    assert read_at_once(keys, build) == [b'{"title": "once"}'] * READERS
    assert build.calls == 1


def test_when_the_claimed_build_fails_the_waiting_readers_build_their_own(keys):
    build = Builds(NotFound("No event with this id."), b'{"title": "second try"}')
    answers = read_at_once(keys, build)
    assert sum(isinstance(answer, NotFound) for answer in answers) == 1
    assert answers.count(b'{"title": "second try"}') == READERS - 1


def test_a_copy_made_stale_during_its_build_is_not_given_to_the_waiting_readers(keys):
    (version_key,) = keys.version_keys

    def change():
        cache.set(version_key, "changed during the build", read_cache.VERSION_SECONDS)

    build = Builds(b'{"title": "before"}', b'{"title": "after"}', during=change)
    answers = read_at_once(keys, build)
    assert answers.count(b'{"title": "before"}') == 1  # the builder's own request, which began before the change
    assert answers.count(b'{"title": "after"}') == READERS - 1


def test_a_claim_whose_builder_died_delays_a_reader_by_the_wait_only(keys, monkeypatch):
    monkeypatch.setattr(read_cache, "BUILD_WAIT_SECONDS", 0.2)
    cache.add(read_cache._claim_key(keys), 1, read_cache.BUILD_CLAIM_SECONDS)
    started = time.monotonic()
    assert read_cache.cached_json(keys, Builds(b'{"title": "own"}', seconds=0)) == b'{"title": "own"}'
    assert 0.2 <= time.monotonic() - started < 1.0


def test_the_claim_is_released_after_the_build(keys):
    read_cache.cached_json(keys, Builds(b"{}", seconds=0))
    assert cache.get(read_cache._claim_key(keys)) is None
