"""The client IP address used as the login rate-limit key.

X-Forwarded-For is trusted only as far as TRUSTED_PROXY_COUNT says: with N
trusted proxies, each of which appends the address it saw, the client is the
N-th address from the right. With none (the default) the header is ignored,
so a client cannot pick its own rate-limit bucket by sending one.

An IPv6 client is counted by its /64 network: one host usually holds a whole /64, so counting per
address would give it 2^64 buckets.
"""

import ipaddress

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


def client_network(request) -> str:
    """The rate-limit bucket of the client: its IPv4 address, or its IPv6 /64 network."""
    address = client_ip(request)
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if parsed.version == 4:
        return str(parsed)
    if parsed.ipv4_mapped is not None:  # ::ffff:192.0.2.1 is an IPv4 client
        return str(parsed.ipv4_mapped)
    return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
