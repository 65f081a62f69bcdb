from rest_framework import serializers

MAX_MUTED_CREATORS = 1000


class PreferencesSerializer(serializers.Serializer):
    mute_created = serializers.BooleanField(help_text="No new-event notifications at all.")
    muted_creators = serializers.ListField(
        child=serializers.CharField(max_length=150),
        max_length=MAX_MUTED_CREATORS,
        help_text="Usernames whose new events the user does not want to hear of.",
    )
    muted_events = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text="Events whose updates and deletion are muted."
    )


class EventMuteSerializer(serializers.Serializer):
    event_id = serializers.CharField()
    muted = serializers.BooleanField()
