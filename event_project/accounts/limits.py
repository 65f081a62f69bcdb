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
from eventhub_common.client_ip import client_network
from eventhub_common.rate_limits import count, count_login_attempt, usage
from rest_framework.permissions import SAFE_METHODS
from rest_framework.throttling import BaseThrottle

from core.exceptions import RateLimited, ServiceUnavailable

logger = logging.getLogger(__name__)


def account_key(identifier: str) -> str:
    """One bucket per account whichever name it is tried by; a name no account has gets its own bucket, so
    the answer is the same whether or not the account exists."""
    identifier = identifier.strip().lower()
    field = "email_key" if "@" in identifier else "username_key"
    username = get_user_model().objects.filter(**{field: identifier}).values_list("username_key", flat=True).first()
    return f"user:{username}" if username is not None else f"name:{identifier}"


def check_login_attempt(request, identifier: str) -> None:
    """API and admin logins: count the attempt against the client's network; refuse a locked account."""
    count_login_attempt(request)
    failures = usage(request, "auth-login-failures", account_key(identifier), settings.LOGIN_FAILURE_LIMIT, increment=False)
    if failures and failures["count"] >= failures["limit"]:
        raise RateLimited(retry_after=max(1, failures["time_left"]))


def record_login_failure(request, identifier: str) -> None:
    if request is not None and identifier:
        try:
            usage(request, "auth-login-failures", account_key(identifier), settings.LOGIN_FAILURE_LIMIT, increment=True)
        except ServiceUnavailable:
            logger.warning("a failed login could not be counted: the rate-limit store did not answer")


def check_registration(request) -> None:
    count(request, "auth-register", client_network(request), settings.REGISTRATION_RATE_LIMIT)


class EventWriteThrottle(BaseThrottle):
    """DRF throttle of event writes (create, update, delete, attachments) per user; reads pass untouched."""

    def allow_request(self, request, view) -> bool:
        if request.method in SAFE_METHODS:
            return True
        try:
            used = usage(request, "event-writes", str(request.user.pk), settings.EVENT_WRITE_RATE_LIMIT, increment=True)
        except ServiceUnavailable:
            return True  # uncounted while Redis does not answer (see the module's docstring)
        self.retry_after = max(1, used["time_left"]) if used else None
        return not (used and used["should_limit"])

    def wait(self):
        return self.retry_after
