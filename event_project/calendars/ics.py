"""iCalendar (RFC 5545) files of events, built with the `icalendar` library.

No METHOD is given, so DTSTAMP is when the event was last changed (RFC 5545 3.8.7.2), like LAST-MODIFIED:
the same event gives the same bytes until it changes. SEQUENCE is the event's `revision`.
"""

import icalendar

from events.models import Event, EventStatus

PRODID = "-//EventHub//Events//EN"
MEDIA_TYPE = "text/calendar; charset=utf-8"


def event_uid(event: Event) -> str:
    """The VEVENT's UID: the event's id, so it is the same in every file and every update."""
    return f"{event.pk}@eventhub"


def vevent(event: Event) -> icalendar.Event:
    component = icalendar.Event.new(
        uid=event_uid(event),
        stamp=event.updated_at,
        start=event.start_time,
        end=event.end_time,
        summary=event.title,
        location=event.location,
        description=event.description or None,
        sequence=event.revision,
        status="CANCELLED" if event.status == EventStatus.CANCELED else "CONFIRMED",
        created=event.created_at,
        last_modified=event.updated_at,
    )
    if event.coordinates:
        lon, lat = event.coordinates["coordinates"]
        component.add("geo", (lat, lon))
    return component


def calendar_file(events, *, name: str) -> bytes:
    """A VCALENDAR with one VEVENT per event."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    for event in events:
        calendar.add_component(vevent(event))
    return calendar.to_ical()
