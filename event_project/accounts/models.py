"""The custom user model, in place from the first migration.

Usernames and emails are unique case-insensitively: their lower-cased forms
are stored in `username_key` and `email_key`, each under a unique index,
because MongoDB cannot index Django's `Lower()` expressions.
"""

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models

from .validators import validate_username


class Role(models.TextChoices):
    """One role today; authorization checks go through `User.role` so more can follow."""

    MEMBER = "member", "Member"


class UserManager(BaseUserManager):
    def create_user(self, username, email, password=None, **extra):
        user = self.model(username=username, email=self.normalize_email(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, username, email, password=None, **extra):
        extra.update(is_staff=True, is_superuser=True, is_verified=True)
        return self.create_user(username, email, password, **extra)

    def get_by_natural_key(self, username):
        return self.get(username_key=username.lower())


class User(AbstractBaseUser, PermissionsMixin):
    """A person who can log in; `is_verified` is ready for email confirmation."""

    username = models.CharField(max_length=50, unique=True, validators=[validate_username])
    username_key = models.CharField(max_length=50, unique=True, editable=False)
    email = models.EmailField(max_length=254)
    email_key = models.CharField(max_length=254, unique=True, editable=False)
    full_name = models.CharField(max_length=150, blank=True)
    is_verified = models.BooleanField(default=False)
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.MEMBER)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = UserManager()

    USERNAME_FIELD = "username"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["email"]

    class Meta:
        ordering = ["username_key"]

    @classmethod
    def from_db(cls, db, field_names, values):
        user = super().from_db(db, field_names, values)
        if "is_active" in field_names:
            user.loaded_is_active = user.is_active  # a change of it is published (accounts.publishing)
        return user

    def save(self, *args, **kwargs):
        self.username_key = self.username.lower()
        self.email_key = self.email.lower()
        super().save(*args, **kwargs)

    def __str__(self):
        return self.username


class RevokedRefreshToken(models.Model):
    """A refresh token that may not be used again: exchanged once (rotation) or logged out. Unique by `jti`,
    so of two concurrent exchanges of one token only one succeeds. Kept until the token would have expired
    anyway (a TTL index on `expires_at`)."""

    class Reason(models.TextChoices):
        ROTATED = "rotated", "Rotated"
        LOGGED_OUT = "logged_out", "Logged out"

    jti = models.CharField(max_length=64, unique=True)
    user_id = models.CharField(max_length=24)
    reason = models.CharField(max_length=20, choices=Reason.choices)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"{self.jti} ({self.reason})"
