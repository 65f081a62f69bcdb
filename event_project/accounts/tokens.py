"""Issuing access and refresh tokens (SimpleJWT) with the claims the services rely on."""

from eventhub_common.access_tokens import ACCESS_TOKEN_LIFETIME
from rest_framework_simplejwt.serializers import TokenObtainPairSerializer
from rest_framework_simplejwt.tokens import RefreshToken

TOKEN_TYPE = "Bearer"
EXPIRES_IN = int(ACCESS_TOKEN_LIFETIME.total_seconds())


def issue_tokens(user) -> dict:
    """The login response body for `user`: access and refresh tokens, both carrying the username."""
    refresh = RefreshToken.for_user(user)
    refresh["username"] = user.username
    return {
        "access": str(refresh.access_token),
        "refresh": str(refresh),
        "token_type": TOKEN_TYPE,
        "expires_in": EXPIRES_IN,
    }


class AccessTokenObtainSerializer(TokenObtainPairSerializer):
    """Used by SimpleJWT's own views, if anyone mounts them: adds the username claim."""

    @classmethod
    def get_token(cls, user):
        token = super().get_token(user)
        token["username"] = user.username
        return token

