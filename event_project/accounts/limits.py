"""Abuse limits of the event service: login per client network and per account, registration per client
network, event writes per user. Counted by django-ratelimit in the Redis cache, so every worker and node
shares them; each answers `429` with `Retry-After`. Rates are settings (`LOGIN_RATE_LIMIT`,
`LOGIN_FAILURE_LIMIT`, `REGISTRATION_RATE_LIMIT`, `EVENT_WRITE_RATE_LIMIT`), in django-ratelimit's
`count/period` form (`10/15m`).

When Redis does not answer, attempts cannot be counted: logins and registrations are refused with `503`
and `Retry-After` (they would otherwise be unlimited), and event writes go through uncounted (a write
costs no password check, and refusing every write for a cache fault would take the API down with it).
"""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django_ratelimit.core import get_usage
from rest_framework.permissions import SAFE_METHODS
from rest_framework.throttling import BaseThrottle

from core.exceptions import RateLimited, ServiceUnavailable
from eventhub_common.redis_breaker import FAILURES

from .client_ip import client_network


logger = logging.getLogger(__name__)


def _usage(request, group: str, key: str, rate: str, *, increment: bool) -> dict | None:
    """django-ratelimit's usage of this bucket; ServiceUnavailable (503) when Redis does not answer."""
    try:
        return get_usage(request, group=group, key=lambda group, request: key, rate=rate, increment=increment)
    except FAILURES:
        raise ServiceUnavailable(
            "Attempts cannot be counted right now (the rate-limit store did not answer); retry shortly.",
            retry_after=max(1, round(settings.REDIS_BREAKER_SECONDS)),
        ) from None


def _count(request, group: str, key: str, rate: str) -> None:
    """Count one attempt; past the rate, refuse it."""
    usage = _usage(request, group, key, rate, increment=True)
    if usage and usage["should_limit"]:
        raise RateLimited(retry_after=max(1, usage["time_left"]))


def account_key(identifier: str) -> str:
    """One bucket per account whichever name it is tried by; a name no account has gets its own bucket, so
    the answer is the same whether or not the account exists."""
    identifier = identifier.strip().lower()
    field = "email_key" if "@" in identifier else "username_key"
    username = get_user_model().objects.filter(**{field: identifier}).values_list("username_key", flat=True).first()
    return f"user:{username}" if username is not None else f"name:{identifier}"


def check_login_attempt(request, identifier: str) -> None:
    """API and admin logins: count the attempt against the client's network; refuse a locked account."""
    _count(request, "auth-login", client_network(request), settings.LOGIN_RATE_LIMIT)
    usage = _usage(request, "auth-login-failures", account_key(identifier), settings.LOGIN_FAILURE_LIMIT, increment=False)
    if usage and usage["count"] >= usage["limit"]:
        raise RateLimited(retry_after=max(1, usage["time_left"]))


def record_login_failure(request, identifier: str) -> None:
    if request is not None and identifier:
        try:
            _usage(request, "auth-login-failures", account_key(identifier), settings.LOGIN_FAILURE_LIMIT, increment=True)
        except ServiceUnavailable:
            logger.warning("a failed login could not be counted: the rate-limit store did not answer")


def check_registration(request) -> None:
    _count(request, "auth-register", client_network(request), settings.REGISTRATION_RATE_LIMIT)


class EventWriteThrottle(BaseThrottle):
    """DRF throttle of event writes (create, update, delete, attachments) per user; reads pass untouched."""

    def allow_request(self, request, view) -> bool:
        if request.method in SAFE_METHODS:
            return True
        try:
            usage = _usage(request, "event-writes", str(request.user.pk), settings.EVENT_WRITE_RATE_LIMIT, increment=True)
        except ServiceUnavailable:
            return True  # uncounted while Redis does not answer (see the module's docstring)
        self.retry_after = max(1, usage["time_left"]) if usage else None
        return not (usage and usage["should_limit"])

    def wait(self):
        return self.retry_after
