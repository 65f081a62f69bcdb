"""Account use cases: registration, login, token rotation, logout, account deletion (abuse limits: `limits`)."""

from datetime import UTC, datetime

from django.contrib.auth import authenticate, get_user_model
from django.db import IntegrityError
from rest_framework.exceptions import ValidationError
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import RefreshToken

from core.db import parse_object_id, transactional
from core.exceptions import Conflict, Unauthorized
from events.models import Event
from attendance.services import leave_all
from events.services import event_delete

from . import limits
from .models import RevokedRefreshToken
from .tokens import issue_tokens

INVALID_CREDENTIALS = "Invalid credentials."


def register_user(*, username: str, email: str, password: str, full_name: str = ""):
    """Create a user; the serializer has validated the fields and checked uniqueness.

    The unique indexes still decide races between two simultaneous registrations.
    """
    try:
        return get_user_model().objects.create_user(
            username=username, email=email, password=password, full_name=full_name
        )
    except IntegrityError:
        raise Conflict("A user with this username or email already exists.") from None


def log_in(
    request, *, password: str, username: str | None = None, email: str | None = None, rate_checked: bool = False
) -> dict:
    """Rate-limit (unless the caller already counted this attempt), authenticate, return fresh tokens.

    A failure counts against the account through Django's `user_login_failed` signal (see `apps`)."""
    if not rate_checked:
        limits.check_login_attempt(request, email or username or "")
    user = authenticate(request, username=username, email=email, password=password)
    if user is None:
        raise Unauthorized(INVALID_CREDENTIALS, "invalid_credentials")
    return issue_tokens(user)


def _verified_refresh(refresh: str) -> RefreshToken:
    try:
        return RefreshToken(refresh)
    except TokenError as exc:
        raise Unauthorized(str(exc), "token_not_valid") from None


def _revoke(token: RefreshToken, reason: str) -> bool:
    """Record the token as used; False if it already was (of two concurrent uses, one gets False)."""
    try:
        RevokedRefreshToken.objects.create(
            jti=token["jti"],
            user_id=str(token.get("user_id", "")),
            reason=reason,
            expires_at=datetime.fromtimestamp(token["exp"], UTC),
        )
    except IntegrityError:
        return False
    return True


def refresh_tokens(refresh: str) -> dict:
    """Rotation: a new access token and a new refresh token for a valid, unused refresh token of an active
    user; the one sent is refused from then on."""
    token = _verified_refresh(refresh)
    user_id = parse_object_id(str(token.get("user_id", "")))
    user = user_id and get_user_model().objects.filter(pk=user_id).order_by().first()
    if not user or not user.is_active:
        raise Unauthorized("The token's user does not exist or is deactivated.", "user_inactive")
    if not _revoke(token, RevokedRefreshToken.Reason.ROTATED):
        raise Unauthorized("This refresh token was already used or revoked.", "token_revoked")
    return issue_tokens(user)


def log_out(refresh: str) -> None:
    """Revoke this refresh token (idempotent: a token already revoked stays revoked)."""
    _revoke(_verified_refresh(refresh), RevokedRefreshToken.Reason.LOGGED_OUT)


@transactional
def delete_account(*, user, password: str) -> None:
    """Delete `user` after checking the password, with their events (each published as deleted, as any
    delete is). Their tokens stop working: access tokens at the next request (no such user), refresh
    tokens at the next exchange."""
    if not user.check_password(password):
        raise ValidationError({"password": ["The password is not correct."]}, code="invalid_password")
    for event in Event.objects.filter(created_by=user).order_by():
        event_delete(event=event, user=user)
    leave_all(user)  # their seats go to the waiting lists, and the counts stay right
    user.delete()
