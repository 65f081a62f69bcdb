"""Registration: field rules, password policy, uniqueness, and what the response never shows."""

import pytest

from .factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db

URL = "/api/auth/register/"


def register(client, **overrides):
    body = {"username": "ada_l", "email": "ada@example.com", "password": PASSWORD, "full_name": "Ada Lovelace"}
    body.update(overrides)
    return client.post(URL, body, format="json")


def test_register_returns_the_user_without_password(api_client):
    response = register(api_client)
    assert response.status_code == 201
    body = response.json()
    assert body["username"] == "ada_l"
    assert body["email"] == "ada@example.com"
    assert body["full_name"] == "Ada Lovelace"
    assert body["is_verified"] is False
    assert body["role"] == "member"
    assert len(body["id"]) == 24
    assert "password" not in body and not any("$" in str(value) for value in body.values())


def test_password_is_stored_as_bcrypt_with_configured_rounds(api_client, settings):
    from accounts.models import User

    register(api_client)
    stored = User.objects.get(username="ada_l").password
    algorithm, bcrypt_hash = stored.split("$", 1)
    assert algorithm == "bcrypt_sha256"
    assert bcrypt_hash.startswith(f"$2b${settings.BCRYPT_ROUNDS:02d}$")


def test_full_name_is_optional(api_client):
    response = register(api_client, full_name=None) if False else api_client.post(
        URL, {"username": "bob", "email": "bob@example.com", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["full_name"] == ""


def test_weak_password_names_every_broken_rule(api_client):
    response = register(api_client, password="abc")
    assert response.status_code == 400
    messages = response.json()["error"]["details"]["password"]
    assert len(messages) == 4
    joined = " ".join(messages)
    for rule in ("at least 8 characters", "uppercase", "digit", "special character"):
        assert rule in joined


@pytest.mark.parametrize(
    ("password", "missing"),
    [("alllowercase1!", "uppercase"), ("NoDigitsHere!", "digit"), ("NoSpecial123", "special character")],
)
def test_each_password_rule_is_enforced(api_client, password, missing):
    response = register(api_client, password=password)
    assert response.status_code == 400
    (message,) = response.json()["error"]["details"]["password"]
    assert missing in message


@pytest.mark.parametrize("username", ["ab", "a" * 51, "has space", "dash-name", "dot.name", "ünï"])
def test_username_must_be_3_to_50_letters_digits_underscores(api_client, username):
    response = register(api_client, username=username)
    assert response.status_code == 400
    assert "username" in response.json()["error"]["details"]


def test_invalid_email_is_rejected(api_client):
    response = register(api_client, email="not-an-email")
    assert response.status_code == 400
    assert "email" in response.json()["error"]["details"]


def test_username_and_email_are_unique_case_insensitively(api_client):
    make_user(username="Ada_L", email="Ada@Example.com")
    response = register(api_client, username="ada_l", email="ADA@example.COM")
    assert response.status_code == 400
    details = response.json()["error"]["details"]
    assert set(details) == {"username", "email"}


def test_missing_fields_are_named(api_client):
    response = api_client.post(URL, {}, format="json")
    assert response.status_code == 400
    assert set(response.json()["error"]["details"]) == {"username", "email", "password"}
