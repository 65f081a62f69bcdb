"""DRF authentication with the access tokens verified by `eventhub_common`.

The same verifier runs in the notification service, so both services accept
and refuse exactly the same tokens.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from eventhub_common.access_tokens import InvalidAccessToken, verify_access_token
from rest_framework import authentication, exceptions

from .db import parse_object_id


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
        user_id = parse_object_id(claims.user_id)
        # Filter on the primary key alone and check is_active here: SecantusDB answers `{_id}` from the
        # index but scans the collection for `{$and: [{is_active}, {_id}]}` (36 ms vs 1.4 ms per request
        # with 1,000 users; docs/performance.md). order_by(): first() would sort by username_key.
        user = get_user_model().objects.filter(pk=user_id).order_by().first() if user_id else None
        if user is None or not user.is_active:
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
