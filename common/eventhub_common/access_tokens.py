"""Verification of the event service's access tokens, usable by any service.

The event service issues HS256 JWTs with SimpleJWT; the notification service
must accept them without calling the event service. Both verify here, with the
algorithm pinned, and `iss`, `aud`, `exp` and the token type checked
(RFC 8725): a token with `alg: none`, a foreign signature or a refresh token
is rejected.

A client sends the same token with every request for up to 30 minutes, so the
claims of a token that passed are kept in memory (the last VERIFIED_TOKENS_KEPT,
keyed by the exact token and configuration) and only its expiry is checked
again: PyJWT's checks cost ~45 µs a request (docs/performance.md, finding 19).
A token that fails is never kept; it fails in full every time.
"""

import time
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache

import jwt

from .env import env_str

ALGORITHM = "HS256"
ACCESS_TOKEN_LIFETIME = timedelta(minutes=30)
REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "jti", "token_type", "user_id", "username"]
VERIFIED_TOKENS_KEPT = 4096
BEARER = "Bearer"


class InvalidAccessToken(Exception):
    """The token is malformed, expired, forged, or not an access token."""


@dataclass(frozen=True)
class TokenConfig:
    """What a verifier needs to know; issuers use the same values."""

    signing_key: str
    issuer: str
    audience: str
    algorithm: str = ALGORITHM
    leeway_seconds: int = 0


@dataclass(frozen=True)
class AccessClaims:
    """The verified identity carried by an access token."""

    user_id: str
    username: str
    expires_at: int
    token_id: str


DEV_SIGNING_KEY = "dev-only-jwt-signing-key-change-me-0123456789abcdef"


def token_config_from_env(*, require_key: bool = False) -> TokenConfig:
    """Read JWT_SIGNING_KEY, JWT_ISSUER and JWT_AUDIENCE.

    `require_key` is set by production settings, which have no default secret.
    """
    key = env_str("JWT_SIGNING_KEY", None if require_key else DEV_SIGNING_KEY)
    return TokenConfig(
        signing_key=key,
        issuer=env_str("JWT_ISSUER", "eventhub-event-service"),
        audience=env_str("JWT_AUDIENCE", "eventhub"),
    )


def bearer_token(authorization: str) -> str | None:
    """The token of an `Authorization: Bearer <token>` header value, else None (another scheme, or not two parts)."""
    parts = authorization.split()
    return parts[1] if len(parts) == 2 and parts[0] == BEARER else None


def verify_access_token(token: str, config: TokenConfig) -> AccessClaims:
    """Return the claims of a valid access token or raise InvalidAccessToken."""
    if not token or not isinstance(token, str):
        raise InvalidAccessToken("token is missing")
    claims, expires_at = _verified(token, config)
    if expires_at <= time.time() - config.leeway_seconds:  # PyJWT's own test of `exp`
        raise InvalidAccessToken("token has expired")
    return claims


@lru_cache(maxsize=VERIFIED_TOKENS_KEPT)
def _verified(token: str, config: TokenConfig) -> tuple[AccessClaims, float]:
    """The claims of a token with a valid signature, issuer, audience and type, and its exact `exp`."""
    try:
        claims = jwt.decode(
            token,
            config.signing_key,
            algorithms=[config.algorithm],
            audience=config.audience,
            issuer=config.issuer,
            leeway=config.leeway_seconds,
            options={"require": REQUIRED_CLAIMS},
        )
    except jwt.ExpiredSignatureError:
        raise InvalidAccessToken("token has expired") from None
    except jwt.PyJWTError as exc:
        raise InvalidAccessToken(f"token is invalid: {exc}") from None
    if claims.get("token_type") != "access":
        raise InvalidAccessToken("token is not an access token")
    user_id, username = claims.get("user_id"), claims.get("username")
    if not isinstance(user_id, str) or not isinstance(username, str):
        raise InvalidAccessToken("token does not identify a user")
    verified = AccessClaims(
        user_id=user_id, username=username, expires_at=int(claims["exp"]), token_id=str(claims["jti"])
    )
    return verified, float(claims["exp"])
