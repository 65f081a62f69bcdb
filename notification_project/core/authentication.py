"""DRF authentication from the access token alone: this service has no user table.

The token is verified locally with `eventhub_common` (the event service is not
called); the request's user is the identity the token carries.
"""

from dataclasses import dataclass

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from eventhub_common.access_tokens import InvalidAccessToken, verify_access_token
from rest_framework import authentication, exceptions


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


class AccessTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        parts = header.split()
        if len(parts) != 2 or parts[0] != self.keyword:
            raise exceptions.AuthenticationFailed("Authorization header must be 'Bearer <token>'.", "bad_header")
        try:
            claims = verify_access_token(parts[1], settings.JWT_TOKENS)
        except InvalidAccessToken as exc:
            raise exceptions.AuthenticationFailed(str(exc), "token_not_valid") from None
        return TokenUser(claims.user_id, claims.username, claims.expires_at), claims

    def authenticate_header(self, request):
        return f'{self.keyword} realm="api"'


class AccessTokenAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = AccessTokenAuthentication
    name = "BearerAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
