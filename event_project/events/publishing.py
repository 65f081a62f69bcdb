"""Turning event changes into outbox messages (called from the model's signals).

The message is built from the event as it is at the moment of the change and
stored in the outbox inside the same transaction as the change itself.
`acting_as(user)` tells who performed the change; without it (admin, shell)
the event's creator is taken as the actor.
"""

import contextlib
import contextvars
from datetime import UTC, datetime

from eventhub_common.messages import EVENT_CREATED, EVENT_DELETED, EVENT_UPDATED, build_message, isoformat_utc

from outbox.services import enqueue

_actor = contextvars.ContextVar("event_actor", default=None)

__all__ = ["EVENT_CREATED", "EVENT_UPDATED", "EVENT_DELETED", "acting_as", "record_event_change"]


@contextlib.contextmanager
def acting_as(user):
    token = _actor.set(user)
    try:
        yield
    finally:
        _actor.reset(token)


def user_ref(user) -> dict:
    return {"id": str(user.pk), "username": user.username}


def event_data(event) -> dict:
    return {
        "id": str(event.pk),
        "title": event.title,
        "start_time": isoformat_utc(event.start_time),
        "end_time": isoformat_utc(event.end_time),
        "status": event.status,
        "created_by": user_ref(event.created_by),
    }


def record_event_change(event, message_type: str, changed_fields: list[str] | None = None) -> dict:
    """Build and enqueue the message for one change of `event`; return it."""
    data = event_data(event)
    if message_type == EVENT_UPDATED:
        data["changed_fields"] = changed_fields or []
    actor = _actor.get() or event.created_by
    occurred_at = datetime.now(UTC) if message_type == EVENT_DELETED else event.updated_at
    message = build_message(message_type, actor=user_ref(actor), data=data, occurred_at=occurred_at)
    enqueue(message)
    return message
