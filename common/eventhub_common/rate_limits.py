"""Rate limits both services count: django-ratelimit buckets in the shared Redis, each a `429` with
`Retry-After`, and the login limit per client network that API and admin logins of both services share.

When Redis does not answer, an attempt cannot be counted: `usage` raises `ServiceUnavailable` (503 with
`Retry-After`), and each caller decides whether that refuses the request (logins, registrations) or lets
it through uncounted (event writes).
"""

import re

from django.conf import settings
from django.contrib import admin
from django.http import JsonResponse
from django_ratelimit.core import get_usage

from .api_errors import ApiError, RateLimited, ServiceUnavailable, error_body
from .client_ip import client_network
from .redis_breaker import FAILURES


_UNITS = {"s": "second", "m": "minute", "h": "hour", "d": "day"}


def describe_rate(rate: str) -> str:
    """django-ratelimit's `count/period` in words, for the API documentation: `5/m` is "5 a minute",
    `10/15m` "10 in 15 minutes"."""
    match = re.fullmatch(r"(\d+)/(\d*)([smhd])", rate)
    if match is None:
        return rate
    count, multiple, unit = int(match[1]), int(match[2] or 1), _UNITS[match[3]]
    if multiple == 1:
        return f"{count} {'an' if unit == 'hour' else 'a'} {unit}"
    return f"{count} in {multiple} {unit}s"


def usage(request, group: str, key: str, rate: str, *, increment: bool) -> dict | None:
    """django-ratelimit's usage of this bucket; ServiceUnavailable (503) when Redis does not answer."""
    try:
        return get_usage(request, group=group, key=lambda group, request: key, rate=rate, increment=increment)
    except FAILURES:
        raise ServiceUnavailable(
            "Attempts cannot be counted right now (the rate-limit store did not answer); retry shortly.",
            retry_after=max(1, round(settings.REDIS_BREAKER_SECONDS)),
        ) from None


def count(request, group: str, key: str, rate: str) -> None:
    """Count one attempt; past the rate, refuse it (RateLimited)."""
    used = usage(request, group, key, rate, increment=True)
    if used and used["should_limit"]:
        raise RateLimited(retry_after=max(1, used["time_left"]))


def count_login_attempt(request) -> None:
    """A login attempt, API or admin, of either service: per client network (IPv6 /64)."""
    count(request, "auth-login", client_network(request), settings.LOGIN_RATE_LIMIT)


def limited_login(login_view, check_attempt=count_login_attempt):
    """A session login view (the admin's, the browsable API's) behind `check_attempt(request)`-style limits;
    a refusal is the API's JSON error (429 or 503) with `Retry-After`. Route it before the view's own URL."""

    def login(request, **kwargs):
        if request.method == "POST":
            try:
                check_attempt(request)
            except ApiError as exc:
                response = JsonResponse(error_body(exc.status_code, exc.default_code, str(exc.detail)), status=exc.status_code)
                response["Retry-After"] = str(exc.retry_after)
                return response
        return login_view(request, **kwargs)

    return login


def limited_admin_login(check_attempt=count_login_attempt):
    """`admin.site.login` behind the login limits; route it at `admin/login/` before the admin's own URLs."""
    return limited_login(admin.site.login, check_attempt)
