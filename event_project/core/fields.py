"""Serializer fields shared by the API: UTC datetimes at MongoDB's precision."""

from datetime import UTC

from rest_framework import serializers


class UtcDateTimeField(serializers.DateTimeField):
    """ISO 8601 in UTC with millisecond precision (what MongoDB stores), e.g. `2026-05-01T18:30:00.000Z`.

    Input must carry a timezone offset: a naive datetime is ambiguous and is refused.
    """

    default_error_messages = {"naive": "Include a timezone offset, e.g. 2026-05-01T18:30:00Z or +02:00."}

    def to_internal_value(self, value):
        if isinstance(value, str) and not _has_offset(value):
            self.fail("naive")
        moment = super().to_internal_value(value).astimezone(UTC)
        return moment.replace(microsecond=moment.microsecond // 1000 * 1000)

    def to_representation(self, value):
        return utc_iso(value)


def utc_iso(value):
    """`value` as `UtcDateTimeField` renders it (None stays None)."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _has_offset(text: str) -> bool:
    tail = text.strip()[10:]
    return tail.endswith(("Z", "z")) or "+" in tail or "-" in tail
