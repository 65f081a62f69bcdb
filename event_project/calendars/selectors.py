"""Read queries for calendars: the owner of a feed secret and the events their feed lists."""

import re

from accounts.selectors import active_user
from attendance.selectors import attended_event_ids
from core.exceptions import NotFound
from events.models import Event

from .models import CalendarFeed, hash_secret

# What `secrets.token_urlsafe(32)` gives out; anything else is no secret of ours and is not looked up.
SECRET_FORMAT = re.compile(r"[A-Za-z0-9_-]{43}")


def feed_owner(secret: str):
    """The active user whose feed has this secret; an unknown, revoked or malformed one is NotFound."""
    feed = None
    if SECRET_FORMAT.fullmatch(secret):
        feed = CalendarFeed.objects.filter(secret_hash=hash_secret(secret)).order_by().first()
    user = active_user(feed.user_id) if feed is not None else None
    if user is None:
        raise NotFound("No calendar feed with this address.")
    return user


def feed_events(user) -> list[Event]:
    """The events the user is going to or waitlisted for, by start time."""
    return list(Event.objects.filter(pk__in=attended_event_ids(user)))
