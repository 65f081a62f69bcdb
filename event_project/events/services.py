"""Event use cases. Each write runs in one MongoDB transaction.

The Event model's signals record the change for publishing inside that same
transaction (see the `outbox` app), so a write that commits always has its
message; these functions only decide who may do what.
"""

from django.db import DatabaseError

from core.conditional import require_match
from core.db import transactional
from core.exceptions import Forbidden, NotFound

from attendance import services as attendance

from . import reads
from .models import Event
from .publishing import acting_as


def ensure_can_modify(event: Event, user) -> None:
    """Only the creator may update or delete an event."""
    if event.created_by_id != user.pk:
        raise Forbidden("Only the event's creator may change it.")


def ensure_unchanged(event: Event, if_match: str | None) -> None:
    """With `If-Match`, the event must still be the version that tag names. Read inside the write's transaction:
    a change committed after this read makes the write conflict, and the retried transaction sees it here."""
    if if_match is None:
        return
    current = Event.objects.filter(pk=event.pk).order_by().first()
    require_match(if_match, None if current is None else reads.event_etag(current))


@transactional
def event_create(*, user, data: dict) -> Event:
    event = Event(created_by=user, **data)
    event.full_clean(exclude=["created_by", "title_words"], validate_unique=False)
    with acting_as(user):
        event.save()
    return event


@transactional
def event_update(*, event: Event, user, data: dict, if_match: str | None = None) -> Event:
    ensure_can_modify(event, user)
    ensure_unchanged(event, if_match)
    capacity = "max_attendees" in data and data["max_attendees"] != event.max_attendees
    attendance.ensure_capacity(event, data.get("max_attendees", event.max_attendees))
    for field, value in data.items():
        setattr(event, field, value)
    try:
        with acting_as(user):
            # force_update: a concurrently deleted event must stay deleted, not be re-inserted.
            event.save(force_update=True)
    except DatabaseError as exc:
        if "did not affect any rows" in str(exc):
            raise NotFound("No event with this id.") from None
        raise
    if capacity:
        attendance.capacity_changed(event, actor=user)
    return event


@transactional
def event_delete(*, event: Event, user, if_match: str | None = None) -> None:
    ensure_can_modify(event, user)
    ensure_unchanged(event, if_match)
    with acting_as(user):
        # A queryset delete collects only what still exists in this transaction, so a
        # concurrent double delete publishes one `event.deleted`, not two.
        deleted, _ = Event.objects.filter(pk=event.pk).delete()
    if not deleted:
        raise NotFound("No event with this id.")
