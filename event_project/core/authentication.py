"""DRF authentication with the access tokens verified by `eventhub_common`.

The same verifier runs in the notification service, so both services accept
and refuse exactly the same tokens.
"""

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from eventhub_common.access_tokens import InvalidAccessToken, verify_access_token
from rest_framework import authentication, exceptions

from accounts.selectors import active_user


class AccessTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer <access token>`; the token's user must exist and be active."""

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
        user = active_user(claims.user_id)
        if user is None:
            raise exceptions.AuthenticationFailed("The token's user no longer exists.", "user_not_found")
        return user, claims

    def authenticate_header(self, request):
        return f'{self.keyword} realm="api"'


class AccessTokenAuthenticationScheme(OpenApiAuthenticationExtension):
    """Documents the scheme in the OpenAPI schema."""

    target_class = AccessTokenAuthentication
    name = "BearerAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
