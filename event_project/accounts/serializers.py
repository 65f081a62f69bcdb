"""Request and response shapes of the account endpoints."""

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django_mongodb_extensions.rest_framework.serializers import MongoModelSerializer
from rest_framework import serializers

from core.fields import UtcDateTimeField

from .validators import USERNAME_PATTERN

User = get_user_model()


class UserSerializer(MongoModelSerializer):
    """A user as the API shows it: never a password or its hash."""

    created_at = UtcDateTimeField(read_only=True)
    updated_at = UtcDateTimeField(read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "email", "full_name", "is_verified", "role", "created_at", "updated_at"]
        read_only_fields = fields


class RegisterSerializer(serializers.Serializer):
    username = serializers.RegexField(
        USERNAME_PATTERN,
        max_length=50,
        error_messages={"invalid": "Username must be 3-50 characters: letters, digits and underscores only."},
    )
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(write_only=True, trim_whitespace=False, max_length=1024)
    full_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")

    def validate_username(self, value):
        if User.objects.filter(username_key=value.lower()).exists():
            raise serializers.ValidationError("This username is taken.", code="unique")
        return value

    def validate_email(self, value):
        if User.objects.filter(email_key=value.lower()).exists():
            raise serializers.ValidationError("An account with this email already exists.", code="unique")
        return value

    def validate_password(self, value):
        try:
            validate_password(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(list(exc.messages)) from None
        return value


class LoginSerializer(serializers.Serializer):
    """Either `username` or `email`, with `password`."""

    username = serializers.CharField(required=False, max_length=50)
    email = serializers.EmailField(required=False, max_length=254)
    password = serializers.CharField(trim_whitespace=False, max_length=1024)

    def validate(self, attrs):
        if ("username" in attrs) == ("email" in attrs):
            raise serializers.ValidationError("Send exactly one of 'username' or 'email'.", code="username_or_email")
        return attrs


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()
    token_type = serializers.CharField(default="Bearer")
    expires_in = serializers.IntegerField(help_text="Seconds until the access token expires (1800).")


class RefreshRequestSerializer(serializers.Serializer):
    refresh = serializers.CharField()


class PasswordConfirmationSerializer(serializers.Serializer):
    password = serializers.CharField(trim_whitespace=False, max_length=1024)
