"""Account use cases: registration, login, token refresh (their abuse limits are in `limits`)."""

from django.contrib.auth import authenticate, get_user_model
from django.db import IntegrityError
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import RefreshToken

from core.exceptions import Conflict, Unauthorized

from . import limits
from .tokens import EXPIRES_IN, TOKEN_TYPE, issue_tokens

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


def refresh_access_token(refresh: str) -> dict:
    """A new access token from a valid refresh token."""
    try:
        token = RefreshToken(refresh)
    except TokenError as exc:
        raise Unauthorized(str(exc), "token_not_valid") from None
    return {"access": str(token.access_token), "token_type": TOKEN_TYPE, "expires_in": EXPIRES_IN}
