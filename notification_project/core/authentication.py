"""DRF authentication from the access token alone: this service has no user table.

The token is verified locally with `eventhub_common` (the event service is not
called); the request's user is the identity the token carries.
"""

from dataclasses import dataclass

from eventhub_common.bearer_auth import BearerTokenAuthentication
from rest_framework import exceptions

from access.selectors import is_revoked


@dataclass(frozen=True)
class TokenUser:
    """The caller, as identified by a verified access token."""

    id: str
    username: str
    expires_at: int
    is_authenticated: bool = True
    is_active: bool = True

    @property
    def pk(self) -> str:
        return self.id


class AccessTokenAuthentication(BearerTokenAuthentication):
    """`Authorization: Bearer <access token>`; the caller is the identity the token carries, unless the event
    service deactivated or deleted that user (`access`)."""

    def user_for(self, claims):
        if is_revoked(claims.user_id):
            raise exceptions.AuthenticationFailed("This user is deactivated or deleted.", "user_inactive")
        return TokenUser(claims.user_id, claims.username, claims.expires_at)
