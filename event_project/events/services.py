"""Event use cases. Each write runs in one MongoDB transaction.

The Event model's signals record the change for publishing inside that same
transaction (see the `outbox` app), so a write that commits always has its
message; these functions only decide who may do what.
"""

from core.db import transactional
from core.exceptions import Forbidden

from .models import Event


def ensure_can_modify(event: Event, user) -> None:
    """Only the creator may update or delete an event."""
    if event.created_by_id != user.pk:
        raise Forbidden("Only the event's creator may change it.")


@transactional
def event_create(*, user, data: dict) -> Event:
    event = Event(created_by=user, **data)
    event.full_clean(exclude=["created_by", "title_prefixes"], validate_unique=False)
    event.save()
    return event


@transactional
def event_update(*, event: Event, user, data: dict) -> Event:
    ensure_can_modify(event, user)
    for field, value in data.items():
        setattr(event, field, value)
    event.save()
    return event


@transactional
def event_delete(*, event: Event, user) -> None:
    ensure_can_modify(event, user)
    event.delete()
