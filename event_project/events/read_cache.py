"""Rendered JSON of event reads, kept in the shared cache until the events they show change.

A read is stored as `(version, bytes, span)` next to its version keys and served
while the versions match; a change replaces the version, so every copy made before
it stops matching at once, on every worker and node (the cache is Redis):

- an event's detail is checked against that event's version (a random token);
- every list page is checked against the one list version: an epoch (a random
  number) and a change counter. Each change of any event adds one to the counter
  and logs the start times it touched (the event's start before and after).

A list page ordered by start time cannot be changed by an event that starts after
its last row, nor, with `start_after`, by one that starts before that, nor, with
`start_before`, by one that starts after that. So a first page records the span of
start times it depends on (`list_span`): from its `start_after` to its last row's
start when it has a next page, else to its `start_before`. A page whose version is
behind is still current if no change logged since its version touched a start in
its span; it is then re-stamped with the current version. A page behind a cursor
depends on every start. A lost epoch, counter or log starts a new epoch, which
matches no copy.

Versions are taken before the read queries, and a change records its version after
its transaction commits (before the API answers the writer), so a copy is never
newer than its version says, and a client reads its own writes.

When several readers miss the same copy at once (a cold start, or the first reads after
a change), one of them claims the build (`SET NX`, BUILD_CLAIM_SECONDS) and the others
wait up to BUILD_WAIT_SECONDS for its copy instead of running the same queries; a reader
that sees the claim go without a current copy (the build failed, or a change made it
stale) builds its own.

Copies live EVENT_READ_CACHE_SECONDS, less up to a quarter at random so that copies
made together do not expire together (0 turns the cache off). That is also the
bound on staleness in the one case left: the cache refused to record a change
(it was unreachable at commit time) but answers reads again within that time.
When the cache does not answer, reads go to the database.
"""

import hashlib
import logging
import math
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from bson import ObjectId
from django.conf import settings
from django.core.cache import cache
from eventhub_common.redis_cache import spread_lifetime

from core.db import on_commit

logger = logging.getLogger(__name__)
T = TypeVar("T")

LIST_EPOCH_KEY = "events:list-epoch"
LIST_COUNTER_KEY = "events:list-changes-counter"
LIST_LOG_KEY = "events:list-changes"
LIST_VERSION_KEYS = (LIST_EPOCH_KEY, LIST_COUNTER_KEY)
LOG_LENGTH = 1000  # changes kept in the log; a copy further behind is rebuilt
LOG_READ_LIMIT = 200  # a copy more changes behind than this is rebuilt rather than checked
VERSION_SECONDS = 24 * 3600  # outlives every copy; a lost version only costs misses
BUILD_CLAIM_SECONDS = 10  # a claim outlives any build; a builder that dies only delays the others this long
BUILD_WAIT_SECONDS = 1.0  # then a waiting reader builds its own copy
UNKNOWN_START = b"*"  # logged for a change whose start times are not known: it touches every span

# Starts a new epoch when the epoch or the counter is missing (evicted, expired, first use).
_START_EPOCH = """
if redis.call('EXISTS', KEYS[1]) == 0 or redis.call('EXISTS', KEYS[2]) == 0 then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
  redis.call('SET', KEYS[2], 0, 'EX', ARGV[2])
  redis.call('DEL', KEYS[3])
end
"""
# KEYS: epoch, counter, log. ARGV: a new epoch, seconds to keep, start times touched (`_touched`), log length.
_RECORD_CHANGE = _START_EPOCH + """
local n = redis.call('INCR', KEYS[2])
redis.call('ZADD', KEYS[3], n, n .. ':' .. ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', n - tonumber(ARGV[4]))
for i = 1, 3 do redis.call('EXPIRE', KEYS[i], ARGV[2]) end
return n
"""
_GET_VERSION = _START_EPOCH + """
return {redis.call('GET', KEYS[1]), redis.call('GET', KEYS[2])}
"""


@dataclass(frozen=True)
class CopyKeys:
    """Where a read's version and its copy live."""

    version_keys: tuple[str, ...]
    copy_key: str

    @property
    def all(self) -> list[str]:
        return [*self.version_keys, self.copy_key]

    @property
    def is_list(self) -> bool:
        return self.version_keys == LIST_VERSION_KEYS


def _event_version_key(event_id) -> str:
    return f"events:read-version:{event_id}"


def detail_keys(event_id: ObjectId) -> CopyKeys:
    return CopyKeys((_event_version_key(event_id),), f"events:read:detail:{event_id}")


def list_keys(request, reader_id) -> CopyKeys:
    """A list page's keys: the full URL (its links are absolute), and the reader when the page depends
    on who asks (`mine`). `request` is Django's or DRF's."""
    reader = reader_id if "mine" in request.GET else ""
    digest = hashlib.sha256(f"{request.build_absolute_uri()}|{reader}".encode()).hexdigest()
    return CopyKeys(LIST_VERSION_KEYS, f"events:read:list:{digest}")


def chunk_keys(digest: str) -> CopyKeys:
    """The keys of a chunk of list rows (list_chunks.py), checked against the list version as a page is."""
    return CopyKeys(LIST_VERSION_KEYS, f"events:read:chunk:{digest}")


def list_span(low: datetime | None = None, high: datetime | None = None) -> tuple[float, float]:
    """The start times, `low` to `high` (both included; None: unbounded), that a list copy depends on: a
    change that touches none of them cannot alter it. `list_span()` depends on every start."""
    return (-math.inf if low is None else low.timestamp(), math.inf if high is None else high.timestamp())


def first_page_span(filters: dict, last_start: datetime | None) -> tuple[float, float]:
    """The span of a first page (or chunk) of the list under these validated filters: from `start_after` to
    `last_start`, its last row's start when more rows follow it (None: it is the last page), else to
    `start_before`."""
    return list_span(filters.get("start_after"), last_start or filters.get("start_before"))


def current_copy(found: dict, keys: CopyKeys):
    """The copy in `found` (a `cache.get_many` of at least `keys.all`) if its version is current, else None."""
    version = _version(found, keys)
    copy = found.get(keys.copy_key)
    if version is None or copy is None or copy[0] != version:
        return None
    return copy[1]


def cached_json(keys: CopyKeys, build: Callable[[], tuple[T, tuple[float, float] | None]]) -> T:
    """The copy under `keys` if it is current, else the content `build()` makes, stored for the next reader.

    `build` returns the content (a rendered read's bytes, or a list chunk) and, for a list copy, its span
    (`list_span`; None for a detail).
    Its exceptions (not found, bad filters) propagate and nothing is stored.
    """
    seconds = settings.EVENT_READ_CACHE_SECONDS
    if seconds <= 0:
        return build()[0]
    seconds = spread_lifetime(seconds)
    claimed = False
    try:
        found = cache.get_many(keys.all)
        content = current_copy(found, keys)
        if content is not None:
            return content
        version = _version(found, keys) or _new_version(keys)
        copy = found.get(keys.copy_key)
        if copy is not None and _unchanged_in_span(copy, version):
            cache.set(keys.copy_key, (version, copy[1], copy[2]), seconds)
            return copy[1]
        claimed = cache.add(_claim_key(keys), 1, BUILD_CLAIM_SECONDS)
        if not claimed and (content := _copy_built_by_another(keys)) is not None:
            return content
    except Exception:  # noqa: BLE001 - the cache is an optimisation; the database still answers
        logger.warning("read cache unavailable", exc_info=True)
        return build()[0]
    try:
        content, span = build()
        _store(keys.copy_key, (version, content, span), seconds)
    finally:
        if claimed:
            _release_claim(keys)
    return content


def _claim_key(keys: CopyKeys) -> str:
    return f"{keys.copy_key}:building"


def _copy_built_by_another(keys: CopyKeys) -> bytes | None:
    """The copy another reader claimed to build, once it is stored and current; None if the claim goes
    without one (that build failed, or a change made its copy stale) or BUILD_WAIT_SECONDS pass."""
    claim_key = _claim_key(keys)
    deadline = time.monotonic() + BUILD_WAIT_SECONDS
    pause = 0.005
    while time.monotonic() < deadline:
        time.sleep(pause)
        found = cache.get_many([*keys.all, claim_key])
        content = current_copy(found, keys)
        if content is not None or claim_key not in found:
            return content
        pause = min(2 * pause, 0.05)
    return None


def _store(key: str, value, seconds: int) -> None:
    try:
        cache.set(key, value, seconds)
    except Exception:  # noqa: BLE001
        logger.warning("read cache unavailable", exc_info=True)


def _release_claim(keys: CopyKeys) -> None:
    try:
        cache.delete(_claim_key(keys))
    except Exception:  # noqa: BLE001 - the claim expires after BUILD_CLAIM_SECONDS
        logger.warning("read cache unavailable", exc_info=True)


def _version(found: dict, keys: CopyKeys) -> tuple | None:
    version = tuple(found.get(key) for key in keys.version_keys)
    return None if None in version else version


def _new_version(keys: CopyKeys) -> tuple:
    """Create a missing version (another reader may win the race; its value is the one to use)."""
    if keys.is_list:
        epoch, counter = _script(_GET_VERSION, _new_epoch(), VERSION_SECONDS)
        return int(epoch), int(counter)
    (version_key,) = keys.version_keys
    cache.add(version_key, secrets.token_hex(8), VERSION_SECONDS)
    # None only if it vanished again at once; a fresh token then matches nothing, which is safe.
    return (cache.get(version_key) or secrets.token_hex(8),)


def _unchanged_in_span(copy, version) -> bool:
    """Whether no list change since `copy` was made touched a start time in the copy's span."""
    if len(version) != 2 or len(copy) != 3 or not isinstance(copy[0], tuple) or len(copy[0]) != 2:
        return False
    if not isinstance(copy[2], tuple) or len(copy[2]) != 2:
        return False
    (copy_epoch, copy_count), (low, high) = copy[0], copy[2]
    if copy_epoch != version[0] or (low, high) == (-math.inf, math.inf):
        return False
    behind = version[1] - copy_count
    if not 0 < behind <= LOG_READ_LIMIT:
        return False
    changes = cache.redis().zrangebyscore(cache.make_key(LIST_LOG_KEY), copy_count + 1, version[1])
    if len(changes) != behind:  # the log lost some (trimmed, or a new epoch began)
        return False
    for change in changes:
        for start in change.split(b":", 1)[1].split(b","):
            if start == UNKNOWN_START or low <= float(start) <= high:
                return False
    return True


def forget_events(event_ids, start_times: Iterable[datetime | None] = (None,)) -> None:
    """Once the current transaction commits (at once outside one): retire these events' details, and every
    list page that could show them, given the start times they had before and after the change (None:
    unknown, which retires every page)."""
    event_ids = list(event_ids)
    touched = _touched(start_times)

    def record():
        _replace_versions([_event_version_key(pk) for pk in event_ids])
        _record_list_change(touched)

    on_commit(record)


def forget_lists() -> None:
    """Retire every list page copy now (after changes made without the model's signals, e.g. bulk updates)."""
    _record_list_change(UNKNOWN_START.decode())


def _touched(start_times: Iterable[datetime | None]) -> str:
    """The log's form of the start times a change touched: `repr`s joined by commas; any unknown one (or
    none given) is UNKNOWN_START, which every list copy depends on."""
    times = list(start_times)
    if not times or None in times:
        return UNKNOWN_START.decode()
    return ",".join(sorted({repr(t.timestamp()) for t in times}))


def _record_list_change(touched: str) -> None:
    try:
        _script(_RECORD_CHANGE, _new_epoch(), VERSION_SECONDS, touched, LOG_LENGTH)
    except Exception:  # noqa: BLE001 - the change is committed; copies expire within EVENT_READ_CACHE_SECONDS
        logger.error("read cache unavailable: list pages may be served until they expire", exc_info=True)


def _replace_versions(version_keys: list[str]) -> None:
    if not version_keys:
        return
    try:
        cache.set_many({key: secrets.token_hex(8) for key in version_keys}, VERSION_SECONDS)
    except Exception:  # noqa: BLE001 - the change is committed; copies expire within EVENT_READ_CACHE_SECONDS
        logger.error("read cache unavailable: copies of %s may be served until they expire", version_keys, exc_info=True)


def _new_epoch() -> int:
    return secrets.randbits(62)


def _script(source: str, *args):
    keys = [cache.make_key(key) for key in (LIST_EPOCH_KEY, LIST_COUNTER_KEY, LIST_LOG_KEY)]
    return cache.redis().eval(source, len(keys), *keys, *args)
