"""DRF authentication with the access tokens verified by `eventhub_common.access_tokens`.

Both services use this class, so they accept and refuse exactly the same
tokens; each says only how a verified token becomes the request's user.
"""

from abc import ABC, abstractmethod

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from .access_tokens import BEARER, AccessClaims, InvalidAccessToken, bearer_token, verify_access_token
from .log_context import USER_ID


class BearerTokenAuthentication(authentication.BaseAuthentication, ABC):
    """`Authorization: Bearer <access token>`, verified with `settings.JWT_TOKENS`."""

    keyword = BEARER

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        token = bearer_token(header)
        if token is None:
            raise exceptions.AuthenticationFailed("Authorization header must be 'Bearer <token>'.", "bad_header")
        try:
            claims = verify_access_token(token, settings.JWT_TOKENS)
        except InvalidAccessToken as exc:
            raise exceptions.AuthenticationFailed(str(exc), "token_not_valid") from None
        USER_ID.set(claims.user_id)  # the request's later log lines name the user (`request_context` resets it)
        return self.user_for(claims), claims

    @abstractmethod
    def user_for(self, claims: AccessClaims):
        """The request's user for verified claims; raise `AuthenticationFailed` to refuse them."""

    def authenticate_header(self, request):
        return f'{self.keyword} realm="api"'


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """Documents the scheme in the OpenAPI schema, for every subclass."""

    target_class = BearerTokenAuthentication
    match_subclasses = True
    name = "BearerAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
