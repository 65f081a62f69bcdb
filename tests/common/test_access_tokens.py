"""The shared access-token verifier, independent of Django."""

import time

import jwt
import pytest
from eventhub_common.access_tokens import InvalidAccessToken, TokenConfig, verify_access_token

CONFIG = TokenConfig(signing_key="k" * 64, issuer="issuer-x", audience="aud-y")


def token(key=CONFIG.signing_key, alg="HS256", **overrides):
    now = int(time.time())
    claims = {
        "token_type": "access", "user_id": "6b04e039f97595e733123a9c", "username": "ada",
        "iat": now, "exp": now + 60, "jti": "j1", "iss": CONFIG.issuer, "aud": CONFIG.audience,
    }
    claims.update(overrides)
    claims = {k: v for k, v in claims.items() if v is not None}
    return jwt.encode(claims, key, algorithm=alg)


def test_valid_token_yields_the_user():
    claims = verify_access_token(token(), CONFIG)
    assert (claims.user_id, claims.username, claims.token_id) == ("6b04e039f97595e733123a9c", "ada", "j1")


@pytest.mark.parametrize(
    "bad",
    [
        token(key="x" * 64),
        token(alg="HS512"),
        token(exp=int(time.time()) - 1),
        token(iss="other"),
        token(aud="other"),
        token(token_type="refresh"),
        token(username=None),
        token(jti=None),
        token(user_id=42),
        "",
        "a.b.c",
    ],
)
def test_invalid_tokens_are_refused(bad):
    with pytest.raises(InvalidAccessToken):
        verify_access_token(bad, CONFIG)
