from django.contrib import admin

from .models import Subscription


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ["user_id", "event_id", "created_at"]
    search_fields = ["user_id", "event_id"]
