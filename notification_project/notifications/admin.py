from django.contrib import admin

from .models import Inbox, Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["seq", "notification_type", "event_title", "actor_username", "broadcast", "created_at"]
    list_filter = ["notification_type", "broadcast"]
    search_fields = ["event_id", "message_id"]
    readonly_fields = [field.name for field in Notification._meta.fields]


@admin.register(Inbox)
class InboxAdmin(admin.ModelAdmin):
    list_display = ["user_id", "personal", "read_through_seq", "seen_through_seq"]
    search_fields = ["user_id"]
