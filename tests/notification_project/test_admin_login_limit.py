"""`/admin/login/` of the notification service is limited per client network like every login, through the
shared Redis; a refusal is the API's 429 with Retry-After."""

import random

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_admin_logins_are_limited_per_client_network():
    ip = f"198.18.{random.randint(0, 255)}.{random.randint(1, 254)}"
    browser = Client(REMOTE_ADDR=ip)
    for _ in range(5):
        assert browser.post("/admin/login/", {"username": "admin", "password": "wrong"}).status_code == 200  # the form
    refused = browser.post("/admin/login/", {"username": "admin", "password": "wrong"})
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "rate_limited"
    assert int(refused["Retry-After"]) >= 1
    ipv6_neighbour = Client(REMOTE_ADDR=f"2001:db8:{random.randint(0, 0xFFFF):x}::1")
    assert ipv6_neighbour.post("/admin/login/", {"username": "admin", "password": "wrong"}).status_code == 200
    assert browser.get("/admin/login/").status_code == 200  # the form itself is not counted
