"""Account use cases: registration, login with its rate limit, token refresh."""

from django.conf import settings
from django.contrib.auth import authenticate, get_user_model
from django.db import IntegrityError
from django_ratelimit.core import get_usage
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import RefreshToken

from core.exceptions import Conflict, RateLimited, Unauthorized

from .client_ip import client_ip_key
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


def check_login_rate(request) -> None:
    """Count this login attempt against the client's IP; raise RateLimited past the limit."""
    usage = get_usage(
        request,
        group="auth-login",
        key=client_ip_key,
        rate=settings.LOGIN_RATE_LIMIT,
        method="POST",
        increment=True,
    )
    if usage and usage["should_limit"]:
        raise RateLimited(retry_after=max(1, usage["time_left"]))


def log_in(
    request, *, password: str, username: str | None = None, email: str | None = None, rate_checked: bool = False
) -> dict:
    """Rate-limit (unless the caller already counted this attempt), authenticate, return fresh tokens."""
    if not rate_checked:
        check_login_rate(request)
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
