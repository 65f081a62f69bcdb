"""The browsable API is usable by a regular user: DRF's login page starts a session (under the login limits),
and the HTML pages then show the user's data."""

import pytest
from django.test import Client, override_settings

from .factories import PASSWORD

pytestmark = pytest.mark.django_db

BROWSER = "text/html,application/xhtml+xml,*/*;q=0.8"


def test_a_user_logs_in_on_the_page_and_browses_the_api(user, client_ip):
    browser = Client(REMOTE_ADDR=client_ip)
    page = browser.get("/api-auth/login/?next=/api/events/")
    assert page.status_code == 200 and b'name="password"' in page.content
    logged_in = browser.post("/api-auth/login/?next=/api/events/", {"username": user.username, "password": PASSWORD})
    assert logged_in.status_code == 302 and logged_in["Location"] == "/api/events/"
    listing = browser.get("/api/events/", HTTP_ACCEPT=BROWSER)
    assert listing.status_code == 200 and listing["Content-Type"].startswith("text/html")
    assert user.username.encode() in listing.content  # the page knows who is logged in
    assert browser.get("/api/auth/me/", HTTP_ACCEPT="application/json").json()["username"] == user.username


@override_settings(LOGIN_RATE_LIMIT="2/m")
def test_the_login_page_counts_with_the_api_logins(user, client_ip):
    browser = Client(REMOTE_ADDR=client_ip)
    answers = [browser.post("/api-auth/login/", {"username": user.username, "password": "wrong"}).status_code for _ in range(3)]
    assert answers[:2] == [200, 200]  # the form again, with an error
    refused = browser.post("/api-auth/login/", {"username": user.username, "password": PASSWORD})
    assert answers[2] == 429 and refused.status_code == 429 and int(refused["Retry-After"]) >= 1
    assert refused.json()["error"]["code"] == "rate_limited"
