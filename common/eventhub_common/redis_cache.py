"""Django's Redis cache backend, keeping one redis client per connection pool instead of one per call.

Django's `RedisCacheClient.get_client()` builds a new `redis.Redis` for every
cache operation, and each build fills a table of ~170 response callbacks
(~0.2 ms). The event service makes one to three cache calls per authenticated
request (the user and a read's copy, the page's creators, a list change log);
redis clients are thread-safe, so one per pool serves them all.
"""

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class ReusedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(pool)
        if client is None:
            client = self._clients[pool] = self._client(connection_pool=pool)
        return client


class ReusedClientRedisCache(RedisCache):
    """`django.core.cache.backends.redis.RedisCache` with `ReusedClientRedisCacheClient`."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient

    def redis(self):
        """The `redis.Redis` client (of the primary), for what Django's cache API has no verb for (scripts,
        sorted sets). Keys must go through `make_key`; integers are stored as Django stores them (raw)."""
        return self._cache.get_client(write=True)
