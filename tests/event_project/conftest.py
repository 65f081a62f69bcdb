"""Fixtures for the event service's tests: API clients, users and tokens, against the real MongoDB."""

import itertools
import random

import pytest
from rest_framework.test import APIClient

from .factories import make_user

_ip_counter = itertools.count(1)


@pytest.fixture(autouse=True)
def no_list_copies_from_other_tests():
    """Tests empty the database without model signals, so list pages cached by one test must not reach the next."""
    from events.reads import lists_changed

    lists_changed()


@pytest.fixture
def client_ip():
    """A distinct client IP per test, so login rate-limit buckets never leak between tests."""
    n = next(_ip_counter)
    return f"10.{random.randint(0, 255)}.{n // 256 % 256}.{n % 256}"


@pytest.fixture
def api_client(client_ip):
    return APIClient(REMOTE_ADDR=client_ip)


@pytest.fixture
def user(db):
    return make_user()


@pytest.fixture
def other_user(db):
    return make_user()


def bearer_client(user, client_ip) -> APIClient:
    from accounts.tokens import issue_tokens

    client = APIClient(REMOTE_ADDR=client_ip)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issue_tokens(user)['access']}")
    return client


@pytest.fixture
def auth_client(user, client_ip):
    return bearer_client(user, client_ip)


@pytest.fixture
def other_client(other_user, client_ip):
    return bearer_client(other_user, client_ip)
