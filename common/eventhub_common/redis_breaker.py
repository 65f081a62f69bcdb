"""A short circuit breaker for the Redis client: a stalled Redis costs a request milliseconds, not seconds.

Every command (and pipeline) of a `BreakerRedis` goes through its `CircuitBreaker`. After a connection
error or a timeout (the socket timeouts are the cache's `OPTIONS`, REDIS_TIMEOUT_SECONDS), the breaker is
open for `open_seconds` (REDIS_BREAKER_SECONDS): every call through this client (one per thread, as
Django keeps one cache object per thread) fails at once with
`RedisUnavailable` instead of waiting for its own timeout. Then calls go through again, and the first to
fail opens it again. Callers treat the failure as they treat Redis being down: the database answers.
"""

import logging
import threading
import time

import redis
from redis.client import Pipeline

logger = logging.getLogger(__name__)

UNANSWERED = (redis.ConnectionError, redis.TimeoutError)  # these open the breaker
# A full Redis (`maxmemory` with `noeviction`, as compose runs it) refuses writes with OOM at once: callers
# treat it as unavailable (the database answers), but it opens no breaker, since it still reads and deletes.
FULL = redis.exceptions.OutOfMemoryError
FAILURES = (*UNANSWERED, FULL)


class RedisUnavailable(redis.ConnectionError):
    """Refused without trying: Redis failed within the breaker's open time."""


class CircuitBreaker:
    def __init__(self, open_seconds: float):
        self.open_seconds = open_seconds
        self._open_until = 0.0
        self._lock = threading.Lock()

    @property
    def is_open(self) -> bool:
        return time.monotonic() < self._open_until

    def check(self) -> None:
        if self.is_open:
            raise RedisUnavailable(f"Redis failed within the last {self.open_seconds:g} s; not tried")

    def failed(self, exc: Exception) -> None:
        with self._lock:
            if not self.is_open:
                logger.warning("Redis unavailable (%s: %s); not tried for %g s", exc.__class__.__name__, exc, self.open_seconds)
            self._open_until = time.monotonic() + self.open_seconds


class BreakerPipeline(Pipeline):
    def execute(self, raise_on_error: bool = True):
        self.breaker.check()
        try:
            return super().execute(raise_on_error)
        except UNANSWERED as exc:
            self.breaker.failed(exc)
            raise


class BreakerRedis(redis.Redis):
    """`redis.Redis` whose commands and pipelines go through `breaker`."""

    def __init__(self, *args, breaker: CircuitBreaker, **kwargs):
        super().__init__(*args, **kwargs)
        self.breaker = breaker

    def execute_command(self, *args, **options):
        self.breaker.check()
        try:
            return super().execute_command(*args, **options)
        except UNANSWERED as exc:
            self.breaker.failed(exc)
            raise

    def pipeline(self, transaction=True, shard_hint=None):
        pipeline = BreakerPipeline(self.connection_pool, self.response_callbacks, transaction, shard_hint)
        pipeline.breaker = self.breaker
        return pipeline
