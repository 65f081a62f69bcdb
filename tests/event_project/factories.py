"""Test data builders for users and events."""

import itertools
from datetime import UTC, datetime, timedelta

_sequence = itertools.count(1)
PASSWORD = "Sup3r-secret!"


def make_user(**overrides):
    from accounts.models import User

    n = next(_sequence)
    fields = {"username": f"user_{n}", "email": f"user{n}@example.com", "password": PASSWORD}
    fields.update(overrides)
    return User.objects.create_user(**fields)


def event_payload(**overrides) -> dict:
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=7)
    payload = {
        "title": "Python meetup",
        "description": "Talks and pizza.",
        "location": "Berlin",
        "start_time": start.isoformat().replace("+00:00", "Z"),
        "end_time": (start + timedelta(hours=3)).isoformat().replace("+00:00", "Z"),
    }
    payload.update(overrides)
    return payload


def make_event(user, **overrides):
    from events import services
    from events.serializers import EventSerializer

    serializer = EventSerializer(data=event_payload(**overrides))
    serializer.is_valid(raise_exception=True)
    return services.event_create(user=user, data=serializer.validated_data)
