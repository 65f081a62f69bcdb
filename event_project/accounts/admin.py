"""Admin for inspecting and managing users."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "email", "full_name", "role", "is_verified", "is_staff", "created_at"]
    list_filter = ["role", "is_verified", "is_staff", "is_active"]
    search_fields = ["username_key", "email_key", "full_name"]
    ordering = ["username_key"]
    readonly_fields = ["created_at", "updated_at", "last_login"]
    fieldsets = [
        (None, {"fields": ["username", "email", "password"]}),
        ("Profile", {"fields": ["full_name", "role", "is_verified"]}),
        ("Permissions", {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        ("Dates", {"fields": ["last_login", "created_at", "updated_at"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["username", "email", "password1", "password2"]})]
