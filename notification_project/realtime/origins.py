"""Which browser pages may open a notifications socket: the service's own hosts and the configured origins.

Tokens, not cookies, authenticate sockets, so a foreign page gains nothing from a victim's browser; the
allowlist is defence in depth. Channels' OriginValidator refuses a handshake without `Origin`; here it
passes, because only browsers send one and other clients authenticate with their token like everyone.
"""

from channels.security.websocket import OriginValidator
from django.conf import settings


class BrowserOriginValidator(OriginValidator):
    """Channels' OriginValidator with the allowlist read from the settings at each handshake."""

    def __init__(self, application):
        super().__init__(application, allowed_origins=[])

    def valid_origin(self, parsed_origin):
        return parsed_origin is None or self.validate_origin(parsed_origin)

    def validate_origin(self, parsed_origin):
        """ALLOWED_HOSTS (host patterns, any port) and WEBSOCKET_ALLOWED_ORIGINS (scheme://host[:port])."""
        patterns = [*settings.ALLOWED_HOSTS, *settings.WEBSOCKET_ALLOWED_ORIGINS]
        return any(pattern == "*" or self.match_allowed_origin(parsed_origin, pattern) for pattern in patterns)
