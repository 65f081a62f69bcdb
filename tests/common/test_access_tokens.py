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


def test_a_verified_token_is_refused_once_it_expires(monkeypatch):
    valid = token(exp=int(time.time()) + 2)
    assert verify_access_token(valid, CONFIG).username == "ada"  # verified and kept
    later = time.time() + 3
    monkeypatch.setattr(time, "time", lambda: later)
    with pytest.raises(InvalidAccessToken, match="expired"):
        verify_access_token(valid, CONFIG)


def test_a_kept_token_is_not_valid_under_another_configuration():
    valid = token()
    verify_access_token(valid, CONFIG)
    for other in (TokenConfig(signing_key="x" * 64, issuer=CONFIG.issuer, audience=CONFIG.audience),
                  TokenConfig(signing_key=CONFIG.signing_key, issuer=CONFIG.issuer, audience="other")):
        with pytest.raises(InvalidAccessToken):
            verify_access_token(valid, other)


def test_a_refused_token_is_checked_in_full_every_time(monkeypatch):
    forged = token(key="x" * 64)
    calls = []
    real_decode = jwt.decode
    monkeypatch.setattr(jwt, "decode", lambda *args, **kwargs: calls.append(1) or real_decode(*args, **kwargs))
    for _ in range(2):
        with pytest.raises(InvalidAccessToken):
            verify_access_token(forged, CONFIG)
    assert len(calls) == 2
