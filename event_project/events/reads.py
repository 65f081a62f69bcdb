"""Event reads as the API answers them: rendered JSON and its ETag, from the shared cache while current.

Everything about cached reads is in this file. The views call `event_detail` or
`event_page` after Django's middleware and DRF's authentication, permissions and
throttles have run, like for any other request.

Versions, not bookkeeping (the drf-extensions pattern):

- every event has a version key and all list pages share one; each holds a random
  token, and every change of an event replaces its token and the list token once
  its transaction commits (before the API answers the writer: read-your-writes);
- a copy is stored with the token it was built under, which the reader takes
  before it queries, and is served only while that token is still current. A lost
  version key is recreated with a new token, which matches no old copy;
- a copy lives EVENT_READ_CACHE_SECONDS from its build and is never extended, so
  no copy is served longer than that after its build. 0 turns the cache off.
- a change that Redis cannot take at commit time (a stall: the API does not wait for
  it) is kept by the process and written before that process reads the cache again,
  and retried every REDIS_BREAKER_SECONDS until Redis takes it
  (`set_many_eventually`).

Copy keys come from validated input only: the event id; or the page's validated
filters, page size, decoded cursor, scheme and host (its links are absolute) and,
for `mine` and `attending`, the reader. A list request with any other query parameter is answered
from the database and stores nothing, so made-up parameters cannot fill Redis.

First pages with `start_after` (a client listing what is upcoming sends a new
instant each time, so their URLs never repeat) are cut from a *chunk*: the first
CHUNK_ROWS rendered rows from that instant's UTC midnight under the same filters,
stored as one list copy. DRF's own CursorPagination cuts the page from it, through
`_ChunkRows`, so the links are DRF's; tests compare every such page with the
database's byte for byte. This relies on the page order being CHUNK_ORDERING; with
any other order the paginator declares, chunks are not used.

Copies are bytes in Redis (`version`, `etag`, body on three lines), never pickles.
The ETag is a hash of the body, so a client's tag and `If-Match` on a write are
compared with what the database holds now (`event_etag`), not with a cache entry.
"""

import bisect
import hashlib
import json
import logging
import secrets
from collections.abc import Callable
from datetime import datetime
from typing import NamedTuple

from django.conf import settings
from django.core.cache import cache
from eventhub_common.metrics import READ_CACHE
from rest_framework.renderers import JSONRenderer

from core.db import on_commit

from . import selectors
from .serializers import EventFilterSerializer, EventSerializer, event_representation

logger = logging.getLogger(__name__)

LIST_VERSION_KEY = "events:version:list"
VERSION_SECONDS = 24 * 3600  # outlives every copy; a lost version only costs misses
CHUNK_ROWS = 50  # rendered rows per chunk: a day of events and a page after it, at the seeded density (~8 a day)
CHUNK_ORDERING = ("start_time", "id")
PAGE_PARAMETERS = {"cursor", "page_size"}
LIST_PARAMETERS = PAGE_PARAMETERS | set(EventFilterSerializer().fields)


class Rendered(NamedTuple):
    """A read as the API sends it: JSON bytes and their (strong) ETag."""

    body: bytes
    etag: str


def rendered(data) -> Rendered:
    body = JSONRenderer().render(data)
    return Rendered(body, f'"{hashlib.blake2b(body, digest_size=16).hexdigest()}"')


def event_etag(event) -> str:
    """The ETag of an event's detail as the database holds it now (for `If-Match`)."""
    return rendered(EventSerializer(selectors.with_creators([event])[0]).data).etag


# Details


def event_detail(*, event_id) -> Rendered:
    """The event's detail; NotFound for a malformed or unknown id."""
    object_id = selectors.parse_event_id(event_id)
    return _cached(
        f"events:read:detail:{object_id}",
        _event_version_key(object_id),
        lambda: rendered(EventSerializer(selectors.event_get(object_id)).data),
    )


def _event_version_key(event_id) -> str:
    return f"events:version:{event_id}"


# List pages


def event_page(*, request, view) -> Rendered:
    """The list page this request asks for (the view's paginator, filters from the query string)."""
    filters = validated_filters(request)
    paginator = view.pagination_class()
    if _from_chunk(request, paginator, filters) and (data := _page_from_chunk(request, paginator, view, filters)) is not None:
        return rendered(data)
    return _cached(_page_key(request, paginator, filters), LIST_VERSION_KEY, lambda: rendered(page_data(request, view, filters)))


def validated_filters(request) -> dict:
    serializer = EventFilterSerializer(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def page_data(request, view, filters: dict) -> dict:
    """The page's data from the database, as DRF's paginator lays it out."""
    paginator = view.pagination_class()
    events = selectors.event_list(user=request.user, filters=filters)
    page = selectors.with_creators(paginator.paginate_queryset(events, request, view=view))
    return paginator.get_paginated_response(EventSerializer(page, many=True).data).data


def _page_key(request, paginator, filters: dict) -> str | None:
    """The page's copy key from validated input only; None (not cached) when other parameters are present."""
    if not set(request.query_params) <= LIST_PARAMETERS:
        return None
    cursor = paginator.decode_cursor(request)  # InvalidCursor (400) for one that does not decode
    identity = (
        request.build_absolute_uri(request.path),
        _canonical(filters),
        paginator.get_page_size(request),
        None if cursor is None else tuple(cursor),
        _reader(request, filters),
    )
    return f"events:read:list:{_digest(identity)}"


def _reader(request, filters: dict) -> str:
    """Whose page it is: the reader's for filters that depend on who asks (`mine`, `attending`), else anyone's."""
    return str(request.user.pk) if filters.get("mine") or filters.get("attending") else ""


def _canonical(filters: dict) -> list:
    return sorted((name, repr(value)) for name, value in filters.items())


def _digest(identity) -> str:
    return hashlib.sha256(repr(identity).encode()).hexdigest()


# Chunks: first pages with start_after


class ChunkRow(NamedTuple):
    """One event of a chunk: its start (the paginator's position) and its rendered data."""

    start_time: datetime
    data: dict


class _ChunkRows:
    """The rows of a chunk from a page's `start_after` on, with the two queryset operations CursorPagination
    applies on a first page: `order_by` (the rows are in that order already) and slicing."""

    def __init__(self, rows):
        self.rows = rows

    def order_by(self, *ordering):
        if ordering != CHUNK_ORDERING:
            raise ValueError(f"a chunk is ordered by {CHUNK_ORDERING}, not {ordering}")
        return self

    def __getitem__(self, index: slice):
        return self.rows[index]


def _from_chunk(request, paginator, filters: dict) -> bool:
    """Whether a chunk may answer: a first page with a `start_after` instant (an empty one filters nothing), in
    the chunk's order, small enough to fit one, while the cache is on (without it a chunk costs more than the
    page)."""
    params = request.query_params
    return (
        filters.get("start_after") is not None
        and paginator.cursor_query_param not in params
        and tuple(paginator.ordering) == CHUNK_ORDERING
        and paginator.get_page_size(request) < CHUNK_ROWS
        and settings.EVENT_READ_CACHE_SECONDS > 0
    )


def _page_from_chunk(request, paginator, view, filters: dict) -> dict | None:
    """The page cut from its day's chunk, or None when it runs past the end of a chunk that has more rows after it."""
    start_after = filters["start_after"]
    day_filters = {**filters, "start_after": start_after.replace(hour=0, minute=0, second=0, microsecond=0)}
    reader = _reader(request, filters)
    stored = _cached(
        f"events:read:chunk:{_digest((_canonical(day_filters), reader))}",
        LIST_VERSION_KEY,
        lambda: _build_chunk(request.user, day_filters),
    )
    chunk = json.loads(stored.body)
    starts = [datetime.fromisoformat(start) for start, _ in chunk["rows"]]
    first = bisect.bisect_left(starts, start_after)
    rows = [ChunkRow(start, data) for start, (_, data) in zip(starts[first:], chunk["rows"][first:], strict=True)]
    if chunk["more"] and len(rows) <= paginator.get_page_size(request):
        return None
    page = paginator.paginate_queryset(_ChunkRows(rows), request, view=view)
    return paginator.get_paginated_response([row.data for row in page]).data


def _build_chunk(user, filters: dict) -> Rendered:
    events = selectors.event_list(user=user, filters=filters).order_by(*CHUNK_ORDERING)
    events = selectors.with_creators(events[: CHUNK_ROWS + 1])
    rows = [[event.start_time.isoformat(), event_representation(event)] for event in events[:CHUNK_ROWS]]
    return Rendered(json.dumps({"rows": rows, "more": len(events) > CHUNK_ROWS}).encode(), "")


# The cache


def _cached(copy_key: str | None, version_key: str, build: Callable[[], Rendered]) -> Rendered:
    """The copy under `copy_key` if it was built under the current version, else `build()`, stored for the next
    reader. Its exceptions (not found, bad filters) propagate and nothing is stored."""
    seconds = settings.EVENT_READ_CACHE_SECONDS
    if seconds <= 0 or copy_key is None:
        return build()
    try:
        found = cache.get_many([version_key, copy_key])
        version = found.get(version_key) or _new_version(version_key)
        copy = _unpack(found.get(copy_key))
        if copy is not None and copy[0] == version:
            READ_CACHE.labels("hit").inc()
            return copy[1]
    except Exception as exc:  # noqa: BLE001 - the cache is an optimisation; the database still answers
        logger.warning("read cache unavailable (%s: %s)", exc.__class__.__name__, exc)
        READ_CACHE.labels("unavailable").inc()
        return build()
    READ_CACHE.labels("miss").inc()
    content = build()
    try:
        cache.set(copy_key, _pack(version, content), seconds)
    except Exception as exc:  # noqa: BLE001
        logger.warning("read cache unavailable (%s: %s)", exc.__class__.__name__, exc)
    return content


def _pack(version: str, content: Rendered) -> bytes:
    return b"\n".join([version.encode(), content.etag.encode(), content.body])


def _unpack(stored) -> tuple[str, Rendered] | None:
    if not isinstance(stored, bytes) or stored.count(b"\n") < 2:
        return None
    version, etag, body = stored.split(b"\n", 2)
    return version.decode(), Rendered(body, etag.decode())


def _new_version(version_key: str) -> str:
    """Create a missing version (another reader may win the race; its token is the one to use)."""
    cache.add(version_key, secrets.token_hex(8), VERSION_SECONDS)
    # None only if it vanished again at once; a fresh token then matches nothing, which is safe.
    return cache.get(version_key) or secrets.token_hex(8)


# Changes


def events_changed(event_ids) -> None:
    """Once the current transaction commits (at once outside one): retire these events' details and every
    list page and chunk."""
    keys = [_event_version_key(pk) for pk in event_ids]
    on_commit(lambda: _replace_versions([*keys, LIST_VERSION_KEY]))


def lists_changed() -> None:
    """Retire every list page and chunk now (after changes made without the model's signals, e.g. bulk updates)."""
    _replace_versions([LIST_VERSION_KEY])


def _replace_versions(version_keys: list[str]) -> None:
    """New tokens for these versions, now or as soon as Redis takes them (before this process reads it again)."""
    cache.set_many_eventually({key: secrets.token_hex(8) for key in version_keys}, VERSION_SECONDS)
