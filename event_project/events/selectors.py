"""Read queries for events: the filtered list and single lookups."""

from bson import ObjectId

from accounts.selectors import users_by_id
from attendance.selectors import attended_event_ids
from core.db import parse_object_id
from core.exceptions import NotFound

from .models import Event
from .search import search_prefixes


def with_creators(events):
    """Attach each event's creator, from the user cache or one `_id: {$in: [...]}` query; returns `events`.

    Not `select_related`: the backend puts its `$lookup` before the `$match`, so a server that does
    not reorder the pipeline (SecantusDB) joins every event of the collection for one page. Not
    `prefetch_related` either: it filters with a set, which the backend turns into an unindexed
    `$expr`. See docs/performance.md.
    """
    events = list(events)
    users = users_by_id(list({event.created_by_id for event in events}))
    for event in events:
        event.created_by = users[event.created_by_id]
    return events


def event_list(*, user, filters: dict):
    """Events matching the validated filters; ordering and pagination are the caller's, and
    `with_creators` on the page the caller shows."""
    events = Event.objects.all()
    if filters.get("status"):
        events = events.filter(status=filters["status"])
    if filters.get("tag"):
        events = events.filter(tags__has_element=filters["tag"])
    if filters.get("start_after"):
        events = events.filter(start_time__gte=filters["start_after"])
    if filters.get("start_before"):
        events = events.filter(start_time__lt=filters["start_before"])
    if filters.get("mine"):
        events = events.filter(created_by=user)
    if filters.get("attending"):
        events = events.filter(pk__in=attended_event_ids(user))
    if filters.get("search"):
        prefixes = search_prefixes(filters["search"])
        if not prefixes:
            return events.none()
        for prefix in prefixes:
            events = events.filter(title_words__has_element_startswith=prefix)
    if filters.get("near"):
        lon, lat = filters["near"]
        events = events.filter(coordinates__within_radius=(lon, lat, filters["radius"]))
    return events


def parse_event_id(text) -> ObjectId:
    """The ObjectId an event id (from a URL, or already an ObjectId) names; a malformed one is NotFound."""
    object_id = parse_object_id(text)
    if object_id is None:
        raise NotFound("No event with this id.")
    return object_id


def event_get(event_id) -> Event:
    """The event with this id; a malformed or unknown id is NotFound."""
    event = Event.objects.filter(pk=parse_event_id(event_id)).order_by().first()
    if event is None:
        raise NotFound("No event with this id.")
    return with_creators([event])[0]


def event_ids_created_by(user) -> list[ObjectId]:
    return list(Event.objects.filter(created_by=user).order_by().values_list("pk", flat=True))
