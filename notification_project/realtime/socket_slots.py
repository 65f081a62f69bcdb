"""Sockets per user, counted across every process and node: one Redis sorted set per user.

Each open socket is a member (its channel name) scored with the time its token expires, the latest
moment the socket can still be open (it is closed then, code 4001). A claim drops expired members and
adds this one only while fewer than WEBSOCKET_SOCKETS_PER_USER remain, in one script, so concurrent
connects on different nodes cannot overshoot. A socket gives its slot back when it closes; the slot of
a socket whose process died goes when its token expires.

Redis is a limit store here, not a source of truth: while it does not answer (the breaker of
`eventhub_common.redis_breaker`), sockets connect uncounted rather than not at all.
"""

import logging

from django.conf import settings
from django.core.cache import cache
from eventhub_common.redis_breaker import FAILURES

logger = logging.getLogger(__name__)

# KEYS[1]: the user's set. ARGV: now, the member, its expiry (epoch seconds), the limit.
_CLAIM = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[2])
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('EXPIREAT', KEYS[1], math.ceil(tonumber(last[2])))
return 1
"""


def _key(user_id: str) -> str:
    return cache.make_key(f"websocket-sockets:{user_id}")


def _client():
    return cache._cache.get_client(write=True)


def claim(user_id: str, channel_name: str, *, now: float, expires_at: float) -> bool:
    """Count this socket against its user's limit; False when the user already has that many open."""
    try:
        claimed = _client().eval(_CLAIM, 1, _key(user_id), now, channel_name, expires_at, settings.WEBSOCKET_SOCKETS_PER_USER)
    except FAILURES:
        logger.warning("Redis unavailable: socket of user %s not counted against its limit", user_id)
        return True
    return bool(claimed)


def release(user_id: str, channel_name: str) -> None:
    """Give the slot back (a lost release is undone when the token expires)."""
    try:
        _client().zrem(_key(user_id), channel_name)
    except FAILURES:
        logger.warning("Redis unavailable: the slot of a closed socket of user %s waits for its expiry", user_id)
