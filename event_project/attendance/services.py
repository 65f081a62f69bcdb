"""Attendance use cases, each in one MongoDB transaction.

Every change rewrites the event's counters (`attendee_count`, `waitlist_count`,
`attendance_version`) in the same transaction as the attendances they count.
Two transactions that change one event's attendance both write that document,
so MongoDB commits one and aborts the other with a write conflict, and
`transactional` runs it again from a fresh snapshot: seats and positions are
decided one change at a time per event, across every worker and node, and
there are never more `going` than `max_attendees`.

An event takes new attendance while it is scheduled and has not started. A
freed seat (someone going leaves, the creator raises `max_attendees`) goes to
the first waitlisted users, in ticket order, in the same transaction; a closed
event's waiting list stays as it is.
"""

from django.utils import timezone
from eventhub_common.messages import ATTENDANCE_GOING, ATTENDANCE_LEFT, ATTENDANCE_PROMOTED, ATTENDANCE_WAITLISTED
from rest_framework.exceptions import ValidationError

from accounts.selectors import users_by_id
from core.db import transactional
from core.exceptions import Conflict, NotFound
from events import reads
from events.models import Event, EventStatus
from events.selectors import parse_event_id, with_creators

from .models import Attendance, AttendanceStatus
from .publishing import record_attendance_change
from .selectors import NONE, AttendanceState, attendance_of, attended_event_ids, state_of

GOING, WAITLISTED = AttendanceStatus.GOING, AttendanceStatus.WAITLISTED
ATTEMPTS = 50  # a popular event's RSVPs conflict with each other; each retry starts from a fresh snapshot


def is_open(event: Event) -> bool:
    return event.status == EventStatus.SCHEDULED and event.start_time > timezone.now()


def _event(event_id) -> Event:
    """The event as this transaction's snapshot holds it (its counters included), with its creator."""
    event = Event.objects.filter(pk=parse_event_id(event_id)).order_by().first()
    if event is None:
        raise NotFound("No event with this id.")
    return with_creators([event])[0]


def _next_version(event: Event) -> int:
    event.attendance_version += 1
    return event.attendance_version


def _claim(event: Event) -> int:
    """The event's next attendance version, written at once: a concurrent change of this event's attendance
    conflicts on this first write and starts again before doing any other work."""
    version = _next_version(event)
    Event.objects.filter(pk=event.pk).update(attendance_version=version)
    return version


def _save_counts(event: Event) -> None:
    """Write the event's counters (the write that makes concurrent changes of its attendance conflict)."""
    Event.objects.filter(pk=event.pk).update(
        attendee_count=event.attendee_count, waitlist_count=event.waitlist_count, attendance_version=event.attendance_version
    )
    reads.events_changed([event.pk])


@transactional(attempts=ATTEMPTS)
def attend(*, event_id, user) -> tuple[AttendanceState, bool]:
    """Going when a seat is free, else waitlisted; (the state, whether it is new). Already going or
    waitlisted: that state, unchanged. A closed event: Conflict `event_closed`."""
    event = _event(event_id)
    existing = attendance_of(event.pk, user)
    if existing is not None:
        return state_of(existing), False
    if not is_open(event):
        raise Conflict("This event takes no new attendance (canceled, completed or started).", code="event_closed")
    version = _claim(event)
    seat = event.max_attendees is None or event.attendee_count < event.max_attendees
    if seat:
        event.attendee_count += 1
        state = AttendanceState(GOING)
    else:
        event.waitlist_count += 1
        state = AttendanceState(WAITLISTED, event.waitlist_count)  # the newest ticket: last in line
    Attendance.objects.create(event=event, user=user, status=state.status, ticket=version, since=timezone.now())
    _save_counts(event)
    kind = ATTENDANCE_GOING if seat else ATTENDANCE_WAITLISTED
    record_attendance_change(kind, event=event, attendee=user, state=state, version=version, actor=user)
    return state, True


@transactional(attempts=ATTEMPTS)
def leave(*, event_id, user) -> bool:
    """Give up the seat or the place in line (idempotent); whether there was one. A freed seat is promoted."""
    event = _event(event_id)
    existing = attendance_of(event.pk, user)
    if existing is None:
        return False
    version = _claim(event)
    Attendance.objects.filter(pk=existing.pk).delete()
    if existing.status == GOING:
        event.attendee_count -= 1
    else:
        event.waitlist_count -= 1
    state = AttendanceState(NONE)
    record_attendance_change(ATTENDANCE_LEFT, event=event, attendee=user, state=state, version=version, actor=user)
    _promote(event, version, actor=user)
    _save_counts(event)
    return True


def ensure_capacity(event: Event, max_attendees: int | None) -> None:
    """Inside the event's update: refresh the instance's counters from this transaction's snapshot and refuse
    a `max_attendees` below the number going (400)."""
    current = Event.objects.filter(pk=event.pk).values_list("attendee_count", "waitlist_count", "attendance_version").first()
    if current is not None:
        event.attendee_count, event.waitlist_count, event.attendance_version = current
    going = event.attendee_count
    if max_attendees is not None and max_attendees < going:
        raise ValidationError(
            {"max_attendees": [f"{going} attendees are going; max_attendees cannot be lower than that."]},
            code="below_attendance",
        )


def capacity_changed(event: Event, *, actor) -> None:
    """Inside the event's update, after `ensure_capacity` and the save: seats a raise freed go to the waiting list."""
    if event.waitlist_count and _promote(event, event.attendance_version + 1, actor=actor):
        _next_version(event)
        _save_counts(event)


def _promote(event: Event, version: int, *, actor) -> list[Attendance]:
    """Move the first waitlisted into the seats that are free now (an open event only); counters updated on
    `event`, messages enqueued; the caller saves the counters."""
    free = None if event.max_attendees is None else event.max_attendees - event.attendee_count
    if not is_open(event) or not event.waitlist_count or (free is not None and free <= 0):
        return []
    waiting = Attendance.objects.filter(event=event, status=WAITLISTED).order_by("ticket")
    promoted = list(waiting if free is None else waiting[:free])
    if not promoted:
        return []
    Attendance.objects.filter(pk__in=[a.pk for a in promoted]).update(status=GOING, since=timezone.now())
    event.attendee_count += len(promoted)
    event.waitlist_count -= len(promoted)
    users = users_by_id([a.user_id for a in promoted])
    for attendance in promoted:
        record_attendance_change(
            ATTENDANCE_PROMOTED, event=event, attendee=users[attendance.user_id], state=AttendanceState(GOING),
            version=version, actor=actor,
        )
    return promoted


def leave_all(user) -> None:
    """Before a user is deleted: leave every event they attend (freed seats are promoted)."""
    for event_id in attended_event_ids(user):
        try:
            leave(event_id=event_id, user=user)
        except NotFound:
            pass  # deleted meanwhile, with its attendances
