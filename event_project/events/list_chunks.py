"""First list pages with `start_after=<any instant>`, answered from a cached chunk of that day's rows.

A client that lists upcoming events sends the instant it asks at, so no two such
pages have the same URL and the read cache (read_cache.py) never serves one twice:
each was a database query (docs/performance.md, finding 26). But the first page
for `start_after=T` is a slice of the rows for `start_after=<T's UTC midnight>`:
those rows in the page order, from the first that starts at or after T. So the
first CHUNK_ROWS rendered rows from T's midnight on (same other filters, same
reader for `mine`) are kept as one copy, a *chunk*, and every first page whose
rows lie inside it is cut from it by DRF's own paginator, which also writes its
links. A page that runs past the end of a chunk that has more rows after it
(CHUNK_ROWS is too few for that day) goes to the database as before.

A chunk is a list copy like any other (read_cache.cached_json): it is checked
against the list version, and its span runs from its midnight to its last row's
start when more rows follow, so changes to events that start before that day or
after that row do not retire it.
"""

import bisect
import hashlib
from datetime import datetime
from typing import NamedTuple

from django.conf import settings

from . import read_cache, selectors
from .serializers import event_representation

CHUNK_ROWS = 50  # rendered rows per chunk: a day of events and a page after it, at the seeded density (~8 a day)


class ChunkRow(NamedTuple):
    """One event of a chunk: its start (the paginator's position) and its rendered data."""

    start_time: datetime
    data: dict


class Chunk(NamedTuple):
    rows: tuple[ChunkRow, ...]
    more: bool  # rows follow the last one


class _Rows:
    """The part of a chunk a page is cut from, with the two queryset operations CursorPagination uses on a
    first page: `order_by` (the chunk is in the page order already) and slicing."""

    def __init__(self, rows, ordering):
        self.rows, self.ordering = rows, tuple(ordering)

    def order_by(self, *ordering):
        if ordering != self.ordering:
            raise ValueError(f"a chunk is ordered by {self.ordering}, not {ordering}")
        return self

    def __getitem__(self, index: slice):
        return self.rows[index]


def answers(request, paginator) -> bool:
    """Whether a chunk may answer this list request: a first page (no cursor) with `start_after`, small
    enough to fit a chunk, while the read cache is on (without it a chunk costs more than the page)."""
    params = request.query_params
    return (
        "start_after" in params
        and paginator.cursor_query_param not in params
        and paginator.get_page_size(request) < CHUNK_ROWS
        and settings.EVENT_READ_CACHE_SECONDS > 0
    )


def page_from_chunk(request, paginator, view, *, user, filters: dict) -> list[dict] | None:
    """The rendered rows of the page `paginator` cuts (its links set as for a database page), or None
    when the page runs past the end of a chunk that has more rows after it."""
    start_after = filters["start_after"]
    day = _midnight(start_after)
    chunk = read_cache.cached_json(
        read_cache.chunk_keys(_chunk_digest(filters, day, user)), lambda: _build(user=user, filters={**filters, "start_after": day})
    )
    first = bisect.bisect_left(chunk.rows, start_after, key=lambda row: row.start_time)
    rows = chunk.rows[first:]
    if chunk.more and len(rows) <= paginator.get_page_size(request):
        return None
    page = paginator.paginate_queryset(_Rows(rows, paginator.ordering), request, view=view)
    return [row.data for row in page]


def _midnight(moment: datetime) -> datetime:
    """The start of `moment`'s day, in its own timezone (UTC for validated filters)."""
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def _chunk_digest(filters: dict, day: datetime, user) -> str:
    """The chunk's identity: every filter (start_after as its day) and, for `mine`, the reader."""
    canonical = sorted((name, repr(value)) for name, value in {**filters, "start_after": day}.items())
    reader = str(user.pk) if filters.get("mine") else ""
    return hashlib.sha256(f"{canonical}|{reader}".encode()).hexdigest()


def _build(*, user, filters: dict) -> tuple[Chunk, tuple[float, float]]:
    events = selectors.event_list(user=user, filters=filters).order_by("start_time", "id")
    events = selectors.with_creators(events[: CHUNK_ROWS + 1])
    more = len(events) > CHUNK_ROWS
    rows = tuple(ChunkRow(event.start_time, event_representation(event)) for event in events[:CHUNK_ROWS])
    return Chunk(rows, more), read_cache.first_page_span(filters, rows[-1].start_time if more else None)

