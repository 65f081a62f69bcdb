from eventhub_common.messages import isoformat_utc
from rest_framework import serializers


class SubscriptionSerializer(serializers.Serializer):
    event_id = serializers.CharField()
    created_at = serializers.DateTimeField(help_text="ISO 8601 UTC: when the user subscribed.")

    def to_representation(self, subscription):
        return {"event_id": subscription.event_id, "created_at": isoformat_utc(subscription.created_at)}
