"""The client IP address used as the login rate-limit key.

X-Forwarded-For is trusted only as far as TRUSTED_PROXY_COUNT says: with N
trusted proxies, each of which appends the address it saw, the client is the
N-th address from the right. With none (the default) the header is ignored,
so a client cannot pick its own rate-limit bucket by sending one.
"""

from django.conf import settings


def client_ip(request) -> str:
    remote = request.META.get("REMOTE_ADDR", "") or "unknown"
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(forwarded) < proxies:
        return remote
    return forwarded[-proxies]


def client_ip_key(group, request) -> str:
    """django-ratelimit key function."""
    return client_ip(request)
