"""Reading attendance: a user's state and waiting-list position, the events they attend, an event's attendees."""

from dataclasses import dataclass

from .models import Attendance, AttendanceStatus

NONE = "none"


@dataclass(frozen=True)
class AttendanceState:
    """`going`, `waitlisted` (with its 1-based `position`) or `none`."""

    status: str
    position: int | None = None

    def as_dict(self) -> dict:
        return {"status": self.status, "position": self.position}


def position(attendance: Attendance) -> int:
    """1 + how many of the event's waitlisted users joined before this one (an indexed count)."""
    return Attendance.objects.filter(
        event_id=attendance.event_id, status=AttendanceStatus.WAITLISTED, ticket__lt=attendance.ticket
    ).count() + 1


def state_of(attendance: Attendance | None) -> AttendanceState:
    if attendance is None:
        return AttendanceState(NONE)
    if attendance.status == AttendanceStatus.WAITLISTED:
        return AttendanceState(attendance.status, position(attendance))
    return AttendanceState(attendance.status)


def attendance_of(event_id, user) -> Attendance | None:
    return Attendance.objects.filter(event_id=event_id, user=user).first()


def attended_event_ids(user) -> list:
    """The events the user is going to or waitlisted for."""
    return list(Attendance.objects.filter(user=user).order_by().values_list("event_id", flat=True))


def attendees(event_id):
    """The event's attendances: going ones, then the waiting list, each in ticket order."""
    return Attendance.objects.filter(event_id=event_id).order_by("status", "ticket")


def with_positions(page: list[Attendance]) -> list[tuple[Attendance, int | None]]:
    """Each attendance of a page (in `attendees` order) with its waiting-list position: one count for the page."""
    first = next((a for a in page if a.status == AttendanceStatus.WAITLISTED), None)
    next_position = position(first) if first is not None else None
    rows = []
    for attendance in page:
        if attendance.status == AttendanceStatus.WAITLISTED:
            rows.append((attendance, next_position))
            next_position += 1
        else:
            rows.append((attendance, None))
    return rows
