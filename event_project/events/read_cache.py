"""Rendered JSON of event reads, kept in the shared cache until the events they show change.

A read is stored as `(version, bytes)` next to a version key and served while the
two versions match; a change replaces the version, so every copy made before it
stops matching at once, on every worker and node (the cache is Redis):

- an event's detail is checked against that event's version;
- every list page is checked against the one list version, which any event
  change replaces (a change can move an event into or out of any filtered page).

Versions are random tokens, not counters: a version key that was evicted or
expired is re-created with a new token, so no old copy can match it again. The
read takes its version before it queries, and a change replaces versions only
after its transaction commits (before the API answers the writer), so a copy
is never newer than its version says, and a client reads its own writes.

Copies live EVENT_READ_CACHE_SECONDS (0 turns the cache off). That is also the
bound on staleness in the one case left: the cache refused to record a change
(it was unreachable at commit time) but answers reads again within that time.
When the cache does not answer, reads go to the database.
"""

import hashlib
import logging
import secrets
from collections.abc import Callable

from bson import ObjectId
from django.conf import settings
from django.core.cache import cache

from core.db import on_commit

logger = logging.getLogger(__name__)

LIST_VERSION_KEY = "events:read-version:list"
VERSION_SECONDS = 24 * 3600  # outlives every copy; a lost version only costs misses


def _event_version_key(event_id) -> str:
    return f"events:read-version:{event_id}"


def detail_keys(event_id: ObjectId) -> tuple[str, str]:
    """(version key, copy key) of one event's detail."""
    return _event_version_key(event_id), f"events:read:detail:{event_id}"


def list_keys(url: str, user_id=None) -> tuple[str, str]:
    """(version key, copy key) of a list page: the full URL (its links are absolute), and the reader
    when the page depends on who asks (`mine`)."""
    digest = hashlib.sha256(f"{url}|{user_id or ''}".encode()).hexdigest()
    return LIST_VERSION_KEY, f"events:read:list:{digest}"


def cached_json(keys: tuple[str, str], build: Callable[[], bytes]) -> bytes:
    """The copy under `keys` if its version is current, else `build()`, stored for the next reader.

    Exceptions of `build` (not found, bad filters) propagate and nothing is stored.
    """
    seconds = settings.EVENT_READ_CACHE_SECONDS
    if seconds <= 0:
        return build()
    version_key, copy_key = keys
    try:
        found = cache.get_many([version_key, copy_key])
        version = found.get(version_key) or _new_version(version_key)
    except Exception:  # noqa: BLE001 - the cache is an optimisation; the database still answers
        logger.warning("read cache unavailable", exc_info=True)
        return build()
    content = current_copy(found, keys, version)
    if content is not None:
        return content
    content = build()
    try:
        cache.set(copy_key, (version, content), seconds)
    except Exception:  # noqa: BLE001
        logger.warning("read cache unavailable", exc_info=True)
    return content


def current_copy(found: dict, keys: tuple[str, str], version=None) -> bytes | None:
    """The copy in `found` (a `cache.get_many` of at least `keys`) if its version is current, else None.

    `version` overrides the one in `found` (one just created for a missing version key).
    """
    version_key, copy_key = keys
    version = version or found.get(version_key)
    copy = found.get(copy_key)
    if version is None or copy is None or copy[0] != version:
        return None
    return copy[1]


def _new_version(version_key: str) -> str:
    """Create the missing version (another reader may win the race; its token is the one to use)."""
    cache.add(version_key, secrets.token_hex(8), VERSION_SECONDS)
    # None only if it vanished again at once; a fresh token then matches nothing, which is safe.
    return cache.get(version_key) or secrets.token_hex(8)


def forget_events(event_ids) -> None:
    """Retire the copies of these events' details and of every list page, once the current transaction
    commits (at once outside one)."""
    event_ids = list(event_ids)
    on_commit(lambda: _replace_versions([LIST_VERSION_KEY, *(_event_version_key(pk) for pk in event_ids)]))


def forget_lists() -> None:
    """Retire every list page copy now (after changes made without the model's signals, e.g. bulk updates)."""
    _replace_versions([LIST_VERSION_KEY])


def _replace_versions(version_keys: list[str]) -> None:
    try:
        cache.set_many({key: secrets.token_hex(8) for key in version_keys}, VERSION_SECONDS)
    except Exception:  # noqa: BLE001 - the change is committed; copies expire within EVENT_READ_CACHE_SECONDS
        logger.error("read cache unavailable: copies of %s may be served until they expire", version_keys, exc_info=True)
