"""The hand-written read shape of an event is exactly what DRF's field-by-field rendering gives."""

import pytest
from rest_framework.renderers import JSONRenderer

from events import selectors
from events.models import Event
from events.serializers import EventSerializer

from .factories import make_event

pytestmark = pytest.mark.django_db

EVENTS = {
    "minimal": {},
    "every field": {
        "title": "Jazz im Park – Sommer ☀",
        "description": "  Two stages,\n one night.  ",
        "tags": ["music", "outdoor"],
        "max_attendees": 250,
        "status": "canceled",
        "attachment_url": "https://example.com/programme.pdf",
        "coordinates": {"type": "Point", "coordinates": [13.405, 52.52]},
    },
    "empty optionals": {"tags": [], "max_attendees": None, "coordinates": None, "attachment_url": ""},
}


def drf_rendering(event) -> bytes:
    """What DRF's generic `Serializer.to_representation` makes of the declared fields."""
    serializer = EventSerializer()
    return JSONRenderer().render(super(EventSerializer, serializer).to_representation(event))


@pytest.mark.parametrize("fields", EVENTS.values(), ids=EVENTS.keys())
def test_the_representation_equals_drfs_for_a_created_and_a_loaded_event(user, fields):
    created = make_event(user, **fields)
    loaded = selectors.with_creators(Event.objects.filter(pk=created.pk))[0]
    for event in (created, loaded):
        assert JSONRenderer().render(EventSerializer(event).data) == drf_rendering(event)


def test_a_page_is_rendered_event_by_event_the_same_way(user, other_user):
    make_event(user, title="First", tags=["a"])
    make_event(other_user, title="Second", max_attendees=3)
    page = selectors.with_creators(Event.objects.order_by("start_time", "id"))
    rendered = EventSerializer(page, many=True).data
    assert [JSONRenderer().render(item) for item in rendered] == [drf_rendering(event) for event in page]
    assert [item["created_by"]["username"] for item in rendered] == [user.username, other_user.username]
