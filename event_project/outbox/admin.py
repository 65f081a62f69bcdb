"""Admin views of the outbox backlog and the relay lease."""

from django.contrib import admin

from .models import OutboxMessage, RelayLease


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ["created_at", "routing_key", "message_id", "status", "sent_at"]
    list_filter = ["status", "routing_key"]
    search_fields = ["message_id"]
    ordering = ["-created_at"]
    readonly_fields = ["message_id", "routing_key", "body", "status", "created_at", "sent_at"]

    def has_add_permission(self, request):
        return False


@admin.register(RelayLease)
class RelayLeaseAdmin(admin.ModelAdmin):
    list_display = ["name", "owner", "expires_at"]
    readonly_fields = ["name", "owner", "expires_at", "resume_token"]
