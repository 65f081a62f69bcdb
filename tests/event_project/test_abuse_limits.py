"""Abuse limits, counted in the shared Redis: login per client network and per account, registration per
network, `/admin/login/` with API logins, event writes per user. Each refusal is a 429 with Retry-After."""

import itertools
import random

import pytest
from rest_framework.test import APIClient

from .factories import PASSWORD, event_payload, make_user

pytestmark = pytest.mark.django_db

LOGIN = "/api/auth/login/"
_addresses = itertools.count(1)


def fresh_ip() -> str:
    n = next(_addresses)
    return f"172.{random.randint(16, 31)}.{n // 256 % 256}.{n % 256}"


def log_in(ip: str, password: str = "Wrong-pass1", **identifier):
    return APIClient(REMOTE_ADDR=ip).post(LOGIN, {**identifier, "password": password}, format="json")


def assert_limited(response, code: str = "rate_limited"):
    assert response.status_code == 429, response.content
    assert response.json()["error"]["code"] == code
    assert int(response["Retry-After"]) >= 1


def test_ipv6_clients_are_counted_per_64_network(user):
    network = f"2001:db8:{random.randint(0, 0xFFFF):x}:{random.randint(0, 0xFFFF):x}"
    for host in range(1, 6):
        assert log_in(f"{network}::{host}", username=user.username).status_code == 401
    assert_limited(log_in(f"{network}::beef", password=PASSWORD, username=user.username))
    neighbour = network.rsplit(":", 1)[0] + f":{random.randint(0, 0xFFFF) ^ 1:x}"
    assert log_in(f"{neighbour}::1", password=PASSWORD, username=user.username).status_code == 200


def test_ten_failures_lock_the_account_from_every_address_by_either_name(user):
    for n in range(10):
        identifier = {"email": user.email.upper()} if n % 2 else {"username": user.username}
        assert log_in(fresh_ip(), **identifier).status_code == 401
    assert_limited(log_in(fresh_ip(), password=PASSWORD, username=user.username))
    assert_limited(log_in(fresh_ip(), password=PASSWORD, email=user.email))
    other = make_user()
    assert log_in(fresh_ip(), password=PASSWORD, username=other.username).status_code == 200


def test_an_account_that_does_not_exist_is_locked_the_same_way():
    name = f"nobody_{random.randint(0, 10**9)}"
    for _ in range(10):
        assert log_in(fresh_ip(), username=name).status_code == 401
    locked = log_in(fresh_ip(), username=name)
    assert_limited(locked)
    assert set(locked.json()["error"]) == {"status", "code", "message"}


def test_registration_is_limited_per_client_network():
    client = APIClient(REMOTE_ADDR=fresh_ip())
    tag = random.randint(0, 10**9)
    for n in range(10):
        body = {"username": f"r{tag}_{n}", "email": f"r{tag}_{n}@example.com", "password": PASSWORD}
        assert client.post("/api/auth/register/", body, format="json").status_code == 201
    body = {"username": f"r{tag}_x", "email": f"r{tag}_x@example.com", "password": PASSWORD}
    assert_limited(client.post("/api/auth/register/", body, format="json"))
    assert APIClient(REMOTE_ADDR=fresh_ip()).post("/api/auth/register/", body, format="json").status_code == 201


def test_admin_logins_count_with_api_logins(user):
    ip = fresh_ip()
    admin = APIClient(REMOTE_ADDR=ip, enforce_csrf_checks=False)
    for _ in range(3):
        assert admin.post("/admin/login/", {"username": user.username, "password": "wrong"}).status_code == 200  # the form again
    for _ in range(2):
        assert log_in(ip, username=user.username).status_code == 401
    assert_limited(admin.post("/admin/login/", {"username": user.username, "password": PASSWORD}))
    assert_limited(log_in(ip, password=PASSWORD, username=user.username))


def test_admin_login_failures_lock_the_account_too(user):
    for _ in range(10):
        APIClient(REMOTE_ADDR=fresh_ip()).post("/admin/login/", {"username": user.username, "password": "wrong"})
    assert_limited(log_in(fresh_ip(), password=PASSWORD, username=user.username))


def test_event_writes_are_limited_per_user(auth_client, other_client, settings):
    settings.EVENT_WRITE_RATE_LIMIT = "3/m"
    for _ in range(3):
        assert auth_client.post("/api/events/", event_payload(), format="json").status_code == 201
    assert_limited(auth_client.post("/api/events/", event_payload(), format="json"), code="throttled")
    assert auth_client.get("/api/events/").status_code == 200  # reads are not writes
    assert other_client.post("/api/events/", event_payload(), format="json").status_code == 201
