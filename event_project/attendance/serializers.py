"""Response shapes of attendance."""

from rest_framework import serializers

from core.fields import UtcDateTimeField


class AttendanceStateSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["going", "waitlisted", "none"])
    position = serializers.IntegerField(allow_null=True, help_text="1-based place on the waiting list; null otherwise.")


class AttendeeSerializer(serializers.Serializer):
    username = serializers.CharField()
    status = serializers.ChoiceField(choices=["going", "waitlisted"])
    position = serializers.IntegerField(allow_null=True)
    since = UtcDateTimeField(help_text="When the current status began (joining, or the promotion).")
