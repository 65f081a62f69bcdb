"""The cache's `incr`, which django-ratelimit counts with: Django's contract, in one atomic round trip."""

import uuid

import pytest
from django.core.cache import cache


@pytest.fixture
def key():
    name = f"test-counter-{uuid.uuid4().hex}"
    yield name
    cache.delete(name)


def test_incr_adds_to_an_existing_counter_and_keeps_its_expiry(key):
    cache.add(key, 0, 60)
    assert cache.incr(key) == 1
    assert cache.incr(key, 5) == 6
    assert cache.get(key) == 6
    assert 0 < cache.redis().ttl(cache.make_key(key)) <= 60


def test_incr_of_a_missing_key_is_a_value_error_and_creates_nothing(key):
    with pytest.raises(ValueError):
        cache.incr(key)
    assert cache.get(key) is None
    assert cache.redis().exists(cache.make_key(key)) == 0
