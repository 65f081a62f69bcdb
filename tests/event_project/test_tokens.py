"""Access tokens: 30-minute lifetime, claims, pinned algorithm, iss/aud, refresh and /me."""

import base64
import json
import time

import jwt
import pytest
from django.conf import settings as django_settings
from eventhub_common.access_tokens import verify_access_token

from .factories import PASSWORD

pytestmark = pytest.mark.django_db


def login(api_client, user) -> dict:
    return api_client.post("/api/auth/login/", {"username": user.username, "password": PASSWORD}, format="json").json()


def test_access_token_expires_in_exactly_30_minutes_and_identifies_the_user(api_client, user):
    access = login(api_client, user)["access"]
    claims = jwt.decode(access, options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 30 * 60
    assert claims["user_id"] == str(user.pk)
    assert claims["username"] == user.username
    assert claims["iss"] == django_settings.JWT_TOKENS.issuer
    assert claims["aud"] == django_settings.JWT_TOKENS.audience
    assert jwt.get_unverified_header(access)["alg"] == "HS256"


def test_common_verifier_accepts_issued_tokens(api_client, user):
    claims = verify_access_token(login(api_client, user)["access"], django_settings.JWT_TOKENS)
    assert (claims.user_id, claims.username) == (str(user.pk), user.username)


def test_signing_key_is_not_the_django_secret_key():
    assert django_settings.JWT_TOKENS.signing_key != django_settings.SECRET_KEY


def forge(claims: dict, key: str = "someone-elses-key-0123456789abcdef", alg: str = "HS256") -> str:
    return jwt.encode(claims, key, algorithm=alg)


def valid_claims(user, **overrides) -> dict:
    now = int(time.time())
    claims = {
        "token_type": "access",
        "user_id": str(user.pk),
        "username": user.username,
        "iat": now,
        "exp": now + 600,
        "jti": "abc",
        "iss": django_settings.JWT_TOKENS.issuer,
        "aud": django_settings.JWT_TOKENS.audience,
    }
    claims.update(overrides)
    return claims


def unsigned_token(claims: dict) -> str:
    def b64(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(claims)}."


@pytest.mark.parametrize(
    "make_token",
    [
        pytest.param(lambda user: unsigned_token(valid_claims(user)), id="alg-none"),
        pytest.param(lambda user: forge(valid_claims(user)), id="foreign-signature"),
        pytest.param(lambda user: forge(valid_claims(user), django_settings.JWT_TOKENS.signing_key, "HS512"), id="other-alg"),
        pytest.param(lambda user: forge(valid_claims(user, exp=int(time.time()) - 5), django_settings.JWT_TOKENS.signing_key), id="expired"),
        pytest.param(lambda user: forge(valid_claims(user, aud="other-app"), django_settings.JWT_TOKENS.signing_key), id="wrong-audience"),
        pytest.param(lambda user: forge(valid_claims(user, iss="someone-else"), django_settings.JWT_TOKENS.signing_key), id="wrong-issuer"),
        pytest.param(lambda user: forge(valid_claims(user, token_type="refresh"), django_settings.JWT_TOKENS.signing_key), id="refresh-token"),
        pytest.param(lambda user: "not.a.jwt", id="garbage"),
    ],
)
def test_bad_tokens_get_401(api_client, user, make_token):
    response = api_client.get("/api/auth/me/", HTTP_AUTHORIZATION=f"Bearer {make_token(user)}")
    assert response.status_code == 401
    assert response.json()["error"]["status"] == 401


def test_correctly_signed_token_is_accepted(api_client, user):
    token = forge(valid_claims(user), django_settings.JWT_TOKENS.signing_key)
    assert api_client.get("/api/auth/me/", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200


def test_me_requires_authentication(api_client):
    response = api_client.get("/api/auth/me/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_refresh_returns_a_new_access_token_for_the_same_user(api_client, user):
    tokens = login(api_client, user)
    response = api_client.post("/api/auth/refresh/", {"refresh": tokens["refresh"]}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["expires_in"] == 1800 and body["token_type"] == "Bearer"
    claims = verify_access_token(body["access"], django_settings.JWT_TOKENS)
    assert claims.username == user.username


def test_refresh_rejects_an_access_token(api_client, user):
    tokens = login(api_client, user)
    response = api_client.post("/api/auth/refresh/", {"refresh": tokens["access"]}, format="json")
    assert response.status_code == 401
