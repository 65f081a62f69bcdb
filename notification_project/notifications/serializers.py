"""Response shapes: history items are the WebSocket payload plus `read` and `created_at`."""

from eventhub_common.messages import ATTENDANCE_GOING, ATTENDANCE_LEFT, ATTENDANCE_PROMOTED, EVENT_MESSAGE_TYPES, isoformat_utc
from rest_framework import serializers

from .payloads import notification_payload


# attendance.waitlisted makes no notification (processing.recipients_of).
NOTIFICATION_TYPES = [*EVENT_MESSAGE_TYPES, ATTENDANCE_GOING, ATTENDANCE_LEFT, ATTENDANCE_PROMOTED]


class NotificationEventSerializer(serializers.Serializer):
    id = serializers.CharField()
    title = serializers.CharField()
    action = serializers.ChoiceField(choices=[kind.split(".", 1)[1] for kind in NOTIFICATION_TYPES])
    timestamp = serializers.DateTimeField(help_text="ISO 8601 UTC: when the change happened.")


class NotificationSerializer(serializers.Serializer):
    """Built from a Notification and a `flags` mapping in the context (seq -> read, seen, archived)."""

    id = serializers.CharField()
    type = serializers.CharField(default="notification")
    notification_type = serializers.ChoiceField(choices=NOTIFICATION_TYPES)
    event = NotificationEventSerializer()
    user = serializers.CharField(help_text="Username of who made the change.")
    read = serializers.BooleanField()
    seen = serializers.BooleanField(help_text="Numbered up to the user's last 'mark seen'.")
    archived = serializers.BooleanField()
    created_at = serializers.DateTimeField(help_text="ISO 8601 UTC: when the notification was stored.")

    def to_representation(self, notification):
        return {
            **notification_payload(notification),
            **self.context["flags"][notification.seq],
            "created_at": isoformat_utc(notification.created_at),
        }


class ReadAllSerializer(serializers.Serializer):
    read_through = serializers.IntegerField(help_text="Every notification numbered up to this is read.")


class SeenSerializer(serializers.Serializer):
    seen_through = serializers.IntegerField(help_text="Every notification numbered up to this is seen.")


class CountsSerializer(serializers.Serializer):
    unread = serializers.IntegerField(help_text="Notifications not read and not archived.")
    unseen = serializers.IntegerField(help_text="Notifications after the last 'mark seen', not archived.")
