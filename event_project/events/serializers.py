"""Request and response shapes of the events API, with the spec's validation rules."""

import copy
from datetime import UTC, datetime

from django_mongodb_extensions.rest_framework.serializers import MongoModelSerializer
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.fields import UtcDateTimeField, utc_iso

from .models import Event, EventStatus

MAX_TAGS = 20
MAX_DESCRIPTION = 10_000


class UserRefSerializer(serializers.Serializer):
    id = serializers.CharField(read_only=True)
    username = serializers.CharField(read_only=True)


GEO_POINT_SCHEMA = {
    "type": "object",
    "description": "A GeoJSON Point.",
    "properties": {
        "type": {"type": "string", "enum": ["Point"]},
        "coordinates": {
            "type": "array",
            "description": "[longitude, latitude]; longitude within [-180, 180], latitude within [-90, 90].",
            "items": {"type": "number"},
            "minItems": 2,
            "maxItems": 2,
        },
    },
    "required": ["type", "coordinates"],
    "additionalProperties": False,
    "example": {"type": "Point", "coordinates": [-8.61, 41.15]},
}


@extend_schema_field(GEO_POINT_SCHEMA)
class GeoPointSerializerField(serializers.Field):
    """A GeoJSON Point: `{"type": "Point", "coordinates": [longitude, latitude]}`."""

    default_error_messages = {
        "invalid": 'Expected {{"type": "Point", "coordinates": [longitude, latitude]}}.',
        "range": "Longitude must be within [-180, 180] and latitude within [-90, 90].",
    }

    def to_internal_value(self, data):
        if not isinstance(data, dict) or data.get("type") != "Point" or set(data) != {"type", "coordinates"}:
            self.fail("invalid")
        coordinates = data["coordinates"]
        if (
            not isinstance(coordinates, list)
            or len(coordinates) != 2
            or not all(isinstance(c, int | float) and not isinstance(c, bool) for c in coordinates)
        ):
            self.fail("invalid")
        lon, lat = (float(c) for c in coordinates)
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            self.fail("range")
        return {"type": "Point", "coordinates": [lon, lat]}

    def to_representation(self, value):
        return value


class FieldsBuiltOnce:
    """A serializer whose fields are built once per class and handed out as shallow copies.

    DRF builds (ModelSerializer: from the model) and deep-copies every field for every serializer instance;
    that was about a quarter of a cached list read's CPU (finding 30) and 15 % of a create's (finding 33).
    The fields here keep no state beyond what `bind()` sets on the copy.
    """

    def get_fields(self):
        cls = type(self)
        if "_fields_built_once" not in cls.__dict__:
            cls._fields_built_once = super().get_fields()
        return {name: copy.copy(field) for name, field in cls._fields_built_once.items()}


class EventSerializer(FieldsBuiltOnce, MongoModelSerializer):
    """An event as read and written through the API."""

    title = serializers.CharField(max_length=100, allow_blank=False)
    location = serializers.CharField(max_length=255, allow_blank=False)
    description = serializers.CharField(max_length=MAX_DESCRIPTION, allow_blank=True, trim_whitespace=False)
    start_time = UtcDateTimeField()
    end_time = UtcDateTimeField()
    tags = serializers.ListField(
        child=serializers.CharField(max_length=50, allow_blank=False), max_length=MAX_TAGS, required=False
    )
    max_attendees = serializers.IntegerField(min_value=1, max_value=1_000_000, required=False, allow_null=True)
    status = serializers.ChoiceField(choices=EventStatus.choices, required=False)
    attachment_url = serializers.URLField(max_length=2048, required=False, allow_blank=True)
    coordinates = GeoPointSerializerField(required=False, allow_null=True)
    created_by = UserRefSerializer(read_only=True)
    created_at = UtcDateTimeField(read_only=True)
    updated_at = UtcDateTimeField(read_only=True)
    attendee_count = serializers.IntegerField(read_only=True, help_text="Users going.")
    waitlist_count = serializers.IntegerField(read_only=True, help_text="Users on the waiting list.")
    seats_left = serializers.IntegerField(read_only=True, allow_null=True, help_text="Free seats; null when unlimited.")

    class Meta:
        model = Event
        fields = [
            "id",
            "title",
            "description",
            "location",
            "start_time",
            "end_time",
            "tags",
            "max_attendees",
            "status",
            "attachment_url",
            "coordinates",
            "created_by",
            "created_at",
            "updated_at",
            "attendee_count",
            "waitlist_count",
            "seats_left",
        ]
        read_only_fields = ["id"]

    def to_representation(self, instance):
        """The read shape, written out: DRF's field-by-field walk was a quarter of a list page's CPU
        (docs/performance.md, finding 19). Tests hold it equal to DRF's own rendering of these fields."""
        return event_representation(instance)

    def validate_tags(self, tags):
        return list(dict.fromkeys(tag.strip() for tag in tags))

    def validate(self, attrs):
        start = attrs.get("start_time", getattr(self.instance, "start_time", None))
        end = attrs.get("end_time", getattr(self.instance, "end_time", None))
        if start and end and end <= start:
            raise serializers.ValidationError({"end_time": ["End time must be after start time."]}, code="end_before_start")
        if self.instance is None and start and start < datetime.now(UTC):
            raise serializers.ValidationError({"start_time": ["Start time must not be in the past."]}, code="past_start")
        return attrs


class EventFilterSerializer(FieldsBuiltOnce, serializers.Serializer):
    """Query parameters of `GET /api/events/`."""

    status = serializers.ChoiceField(choices=EventStatus.choices, required=False)
    tag = serializers.CharField(max_length=50, required=False)
    start_after = UtcDateTimeField(required=False, help_text="Events starting at or after this time.")
    start_before = UtcDateTimeField(required=False, help_text="Events starting before this time.")
    mine = serializers.BooleanField(required=False, default=False, help_text="Only events I created.")
    attending = serializers.BooleanField(
        required=False, default=False, help_text="Only events I am going to or waitlisted for."
    )
    search = serializers.CharField(max_length=100, required=False, help_text="Title word prefixes, e.g. `conf ber`.")
    near = serializers.CharField(required=False, help_text="`longitude,latitude`; with `radius`.")
    radius = serializers.FloatField(
        required=False, min_value=1, max_value=20_000_000, default=10_000, help_text="Meters around `near`."
    )

    def validate_near(self, value):
        parts = value.split(",")
        try:
            lon, lat = (float(part) for part in parts)
        except ValueError:
            raise serializers.ValidationError("Expected 'longitude,latitude', e.g. '2.35,48.85'.") from None
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise serializers.ValidationError("Longitude must be within [-180, 180] and latitude within [-90, 90].")
        return (lon, lat)

    def validate(self, attrs):
        after, before = attrs.get("start_after"), attrs.get("start_before")
        if after and before and before <= after:
            raise serializers.ValidationError({"start_before": ["Must be after start_after."]})
        return attrs


def event_representation(event: Event) -> dict:
    """An event as `EventSerializer` renders it, field for field (`Meta.fields`, in that order): DRF gives
    None for a None attribute, `str` for text fields, `int` for integers."""
    creator = event.created_by
    return {
        "id": _text(event.pk),
        "title": _text(event.title),
        "description": _text(event.description),
        "location": _text(event.location),
        "start_time": utc_iso(event.start_time),
        "end_time": utc_iso(event.end_time),
        "tags": None if event.tags is None else [_text(tag) for tag in event.tags],
        "max_attendees": None if event.max_attendees is None else int(event.max_attendees),
        "status": _text(event.status),
        "attachment_url": _text(event.attachment_url),
        "coordinates": event.coordinates,
        "created_by": {"id": _text(creator.pk), "username": _text(creator.username)},
        "created_at": utc_iso(event.created_at),
        "updated_at": utc_iso(event.updated_at),
        "attendee_count": int(event.attendee_count),
        "waitlist_count": int(event.waitlist_count),
        "seats_left": event.seats_left,
    }


def _text(value):
    return None if value is None else str(value)
