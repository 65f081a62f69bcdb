"""Attendance changes as outbox messages (`attendance.*`), written in the change's transaction."""

from eventhub_common.messages import build_message

from events.publishing import event_data, user_ref
from outbox.services import enqueue


def record_attendance_change(message_type: str, *, event, attendee, state, version: int, actor) -> None:
    """Enqueue one `attendance.*` message: the event as `event.*` messages carry it, whose attendance changed
    (`attendee`), to what (`state`), and the event's attendance version after the change (its order)."""
    data = {
        **event_data(event),
        "attendee": user_ref(attendee),
        "attendance": {"status": state.status, "position": state.position, "version": version},
    }
    enqueue(build_message(message_type, actor=user_ref(actor), data=data))
