"""Admin views of the outbox backlog and the relay lease."""

from django.contrib import admin

from . import services
from .models import OutboxMessage, RelayLease


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ["created_at", "routing_key", "message_id", "status", "sent_at"]
    list_filter = ["status", "routing_key"]
    search_fields = ["message_id"]
    ordering = ["-created_at"]
    readonly_fields = ["message_id", "routing_key", "body", "status", "created_at", "sent_at", "traceparent"]

    def has_add_permission(self, request):
        return False

    def changelist_view(self, request, extra_context=None):
        """The page's title says what waits: how many records and the age of the oldest."""
        backlog = services.backlog()
        age = backlog["oldest_pending_age_seconds"]
        pending = f"{backlog['pending']} pending" + (f", the oldest for {age:.1f} s" if age is not None else "")
        return super().changelist_view(request, {**(extra_context or {}), "title": f"Outbox: {pending}"})


@admin.register(RelayLease)
class RelayLeaseAdmin(admin.ModelAdmin):
    list_display = ["name", "owner", "expires_at"]
    readonly_fields = ["name", "owner", "expires_at", "resume_token"]
