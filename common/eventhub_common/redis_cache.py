"""Django's Redis cache backend with values in JSON instead of pickle, and one client per connection pool.

Django's `RedisSerializer` pickles every value that is not an integer, so whoever
can write to Redis could make the API run code when it reads the entry back.
`JsonSerializer` stores integers raw (INCR keeps working, as django-ratelimit
needs), bytes as they are and anything else as JSON, each behind a one-byte
marker; an entry in any other form reads as a miss.

Django's `RedisCacheClient.get_client()` builds a new `redis.Redis` for every
cache operation, and each build fills a table of ~170 response callbacks
(~0.2 ms). The event service makes two or three cache calls per authenticated
request (the user, a read's version and copy, a page's creators); redis clients
are thread-safe, so one per pool serves them all.

Faults: the client is a `BreakerRedis` (`redis_breaker`), so a stalled Redis fails calls fast.
Entries that retire something (a changed user's marker, a changed event's version) go through
`set_many_eventually`: when Redis does not take them, the cache object keeps them (Django keeps one per
thread), writes them before its next read and retries them in the background every `breaker_seconds`, so
that a copy that could not be retired is not served once Redis is back (by another thread or process at
most until that retry).
"""

import json
import logging
import threading
import time
from functools import partial

from django.core.cache.backends.redis import RedisCache, RedisCacheClient

from .redis_breaker import FAILURES, FULL, BreakerRedis, CircuitBreaker

logger = logging.getLogger(__name__)

BYTES, JSON = b"b", b"j"


class JsonSerializer:
    """Cache values without pickle: int raw, bytes behind `b`, JSON behind `j`."""

    def dumps(self, value):
        if type(value) is int:
            return value
        if isinstance(value, bytes):
            return BYTES + value
        return JSON + json.dumps(value, separators=(",", ":")).encode()

    def loads(self, data: bytes):
        try:
            return int(data)
        except ValueError:
            pass
        marker, payload = data[:1], data[1:]
        if marker == BYTES:
            return payload
        if marker == JSON:
            try:
                return json.loads(payload)
            except ValueError:
                return None
        return None  # not written by this serializer (a pickle of an older version): a miss


# KEYS: the keys. ARGV, three per key: the entry seen ('' for none), the value to store, its seconds.
_SET_IF_UNCHANGED = """
local stored = 0
for i, key in ipairs(KEYS) do
  local current = redis.call('GET', key)
  local seen = ARGV[3 * i - 2]
  if (current == false and seen == '') or current == seen then
    redis.call('SET', key, ARGV[3 * i - 1], 'EX', ARGV[3 * i])
    stored = stored + 1
  end
end
return stored
"""

# KEYS[1]: a counter; ARGV[1]: the delta. Nil when the key does not exist (it is not created).
_INCR_EXISTING = """
if redis.call('EXISTS', KEYS[1]) == 1 then
  return redis.call('INCRBY', KEYS[1], ARGV[1])
end
return false
"""


class ReusedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, servers, serializer=None, breaker_seconds: float = 1.0, **options):
        super().__init__(servers, serializer=serializer or JsonSerializer, **options)
        self.breaker = CircuitBreaker(breaker_seconds)
        self._client = partial(BreakerRedis, breaker=self.breaker)
        self._clients = {}
        self._incr_existing = None

    def incr(self, key, delta):
        """Django's `incr` (ValueError for a missing key) in one round trip instead of `EXISTS` then `INCRBY`,
        and atomic: a key that expires between the two is not re-created without its expiry. Every counted
        request of django-ratelimit (event writes, logins, registrations) makes this call."""
        client = self.get_client(key, write=True)
        if self._incr_existing is None:
            self._incr_existing = client.register_script(_INCR_EXISTING)
        value = self._incr_existing(keys=[key], args=[delta], client=client)
        if value is None:
            raise ValueError(f"Key '{key}' not found.")
        return value

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(pool)
        if client is None:
            client = self._clients[pool] = self._client(connection_pool=pool)
        return client

    def set_many_if_unchanged(self, items: dict, script) -> int:
        """Store each `{key: (seen, value, timeout)}` only where the key still holds `seen` (None: no entry)."""
        args = []
        for seen, value, timeout in items.values():
            args += [b"" if seen is None else self._serializer.dumps(seen), self._serializer.dumps(value), timeout]
        return script(keys=list(items), args=args, client=self.get_client(write=True))


class ReusedClientRedisCache(RedisCache):
    """`django.core.cache.backends.redis.RedisCache` with `ReusedClientRedisCacheClient` (JSON values)."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient
        self._set_if_unchanged = None
        self._pending: dict[str, tuple[object, int]] = {}  # key: (value, seconds) Redis has not taken yet
        self._pending_lock = threading.Lock()
        self._retrying = False

    # Entries that must not be lost

    def set_many_eventually(self, mapping: dict, timeout: int) -> None:
        """`set_many`, or, while Redis does not answer, as soon as it does again (see the module's docstring).
        Raises nothing for a Redis fault."""
        with self._pending_lock:
            self._pending.update({key: (value, timeout) for key, value in mapping.items()})
        try:
            self._write_pending()
        except FULL:
            self._delete_pending(list(mapping))
        except FAILURES:
            logger.warning("Redis did not take %d entries; retrying every %g s", len(mapping), self._cache.breaker.open_seconds)
            self._retry_in_background()

    def _delete_pending(self, keys: list[str]) -> None:
        """Redis is full and refuses writes but not deletes: the entries go instead of being replaced (a
        lost version key is as good as a new one: it matches no old copy). If that fails too, retried."""
        try:
            self.delete_many(keys)
        except FAILURES:
            self._retry_in_background()
            return
        logger.warning("Redis is full: %d entries deleted instead of written", len(keys))
        with self._pending_lock:
            for key in keys:
                self._pending.pop(key, None)

    def _write_pending(self) -> None:
        with self._pending_lock:
            pending = dict(self._pending)
        for seconds in {seconds for _, seconds in pending.values()}:
            super().set_many({key: value for key, (value, s) in pending.items() if s == seconds}, seconds)
        with self._pending_lock:
            for key, entry in pending.items():
                if self._pending.get(key) is entry:
                    del self._pending[key]

    def _retry_in_background(self) -> None:
        with self._pending_lock:
            if self._retrying:
                return
            self._retrying = True
        threading.Thread(target=self._retry_until_written, name="redis-pending-writes", daemon=True).start()

    def _retry_until_written(self) -> None:
        while True:
            time.sleep(self._cache.breaker.open_seconds)
            try:
                self._write_pending()
            except FAILURES:
                continue
            with self._pending_lock:
                if not self._pending:
                    self._retrying = False
                    logger.warning("Redis took the entries it had refused")
                    return

    def get(self, key, default=None, version=None):
        if self._pending:
            self._write_pending()  # a Redis fault propagates: the caller asks the database
        return super().get(key, default, version)

    def get_many(self, keys, version=None):
        if self._pending:
            self._write_pending()
        return super().get_many(keys, version)

    # Beyond Django's cache API

    def set_many_if_unchanged(self, items: dict, version=None) -> int:
        """Store each `{key: (seen, value, seconds)}` only where the key still holds `seen`, the entry read
        before the value was (None: no entry), in one round trip; returns how many were stored.

        A compare-and-set: a value read from the database before a change cannot overwrite the entry that
        the change wrote after it (an entry that `seen` no longer matches).
        """
        if not items:
            return 0
        if self._set_if_unchanged is None:
            self._set_if_unchanged = self.redis().register_script(_SET_IF_UNCHANGED)
        keys = {self.make_and_validate_key(key, version=version): item for key, item in items.items()}
        return self._cache.set_many_if_unchanged(keys, self._set_if_unchanged)

    def redis(self):
        """The `redis.Redis` client (of the primary), for what Django's cache API has no verb for (scripts,
        TTLs). Keys must go through `make_key`; integers are stored as Django stores them (raw)."""
        return self._cache.get_client(write=True)
