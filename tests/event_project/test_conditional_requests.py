"""Event reads carry ETags and answer `304` to a current `If-None-Match`; writes honour `If-Match` with `412`;
authenticated answers are private to their client."""

import threading

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from .factories import make_event

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(user):
    return make_event(user, title="Tagged")


def url_of(event) -> str:
    return f"/api/events/{event.pk}/"


@pytest.mark.parametrize("url", ["detail", "/api/events/", "/api/events/?page_size=1&status=scheduled"])
def test_a_read_with_its_current_etag_is_a_304_without_a_body_or_a_query(auth_client, event, url):
    url = url_of(event) if url == "detail" else url
    first = auth_client.get(url)
    etag = first["ETag"]
    assert etag.startswith('"') and etag.endswith('"')
    with CaptureQueriesContext(connection) as captured:
        again = auth_client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    assert len(captured.captured_queries) == 0
    assert auth_client.get(url, HTTP_IF_NONE_MATCH=f'"other", {etag}').status_code == 304
    assert auth_client.get(url, HTTP_IF_NONE_MATCH="*").status_code == 304


def test_a_changed_event_has_a_new_etag_and_a_200_for_the_old_one(auth_client, event):
    old = auth_client.get(url_of(event))["ETag"]
    assert auth_client.patch(url_of(event), {"title": "Retitled"}, format="json").status_code == 200
    response = auth_client.get(url_of(event), HTTP_IF_NONE_MATCH=old)
    assert response.status_code == 200
    assert response.json()["title"] == "Retitled"
    assert response["ETag"] != old


def test_a_list_etag_changes_when_any_event_changes(auth_client, user, event):
    old = auth_client.get("/api/events/")["ETag"]
    make_event(user, title="Another")
    assert auth_client.get("/api/events/", HTTP_IF_NONE_MATCH=old).status_code == 200


def test_the_etag_is_the_same_from_the_cache_the_database_and_a_write(auth_client, event, settings):
    cached = auth_client.get(url_of(event))["ETag"]
    assert auth_client.get(url_of(event))["ETag"] == cached
    settings.EVENT_READ_CACHE_SECONDS = 0
    assert auth_client.get(url_of(event))["ETag"] == cached
    written = auth_client.patch(url_of(event), {"title": "Again"}, format="json")["ETag"]
    settings.EVENT_READ_CACHE_SECONDS = 60
    assert auth_client.get(url_of(event))["ETag"] == written


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_a_write_with_a_stale_if_match_is_a_412_and_changes_nothing(auth_client, event, method):
    stale = auth_client.get(url_of(event))["ETag"]
    assert auth_client.patch(url_of(event), {"title": "Changed meanwhile"}, format="json").status_code == 200
    body = auth_client.get(url_of(event)).json() if method == "put" else {"title": "Lost update"}
    response = getattr(auth_client, method)(url_of(event), body, format="json", HTTP_IF_MATCH=stale)
    assert response.status_code == 412
    assert response.json()["error"]["code"] == "precondition_failed"
    after = auth_client.get(url_of(event))
    assert after.status_code == 200
    assert after.json()["title"] == "Changed meanwhile"


def test_a_write_with_the_current_if_match_succeeds(auth_client, event):
    current = auth_client.get(url_of(event))["ETag"]
    response = auth_client.patch(url_of(event), {"title": "Mine"}, format="json", HTTP_IF_MATCH=current)
    assert response.status_code == 200
    assert auth_client.patch(url_of(event), {"title": "x"}, format="json", HTTP_IF_MATCH=f'W/{current}').status_code == 412
    assert auth_client.delete(url_of(event), HTTP_IF_MATCH=response["ETag"]).status_code == 204


def test_if_match_star_means_it_exists_and_without_if_match_writes_go_through(auth_client, event):
    assert auth_client.patch(url_of(event), {"title": "Star"}, format="json", HTTP_IF_MATCH="*").status_code == 200
    assert auth_client.patch(url_of(event), {"title": "Plain"}, format="json").status_code == 200


def test_a_read_with_a_stale_if_match_is_a_412_in_the_error_shape(auth_client, event):
    response = auth_client.get(url_of(event), HTTP_IF_MATCH='"stale"')
    assert response.status_code == 412
    assert response.json()["error"]["code"] == "precondition_failed"


@pytest.mark.django_db(transaction=True)
def test_two_writers_with_the_same_if_match_one_wins(user, client_ip, event, monkeypatch):
    """Both check the tag before either writes; the check is inside the write's transaction, so the second
    transaction conflicts, is retried, and sees the first one's change."""
    from events import services

    from .conftest import bearer_client

    tag = bearer_client(user, client_ip).get(url_of(event))["ETag"]
    both_checked = threading.Barrier(2, timeout=10)
    real_check = services.ensure_unchanged
    first_attempts = set()

    def check_then_wait(event, if_match):
        real_check(event, if_match)
        if threading.get_ident() not in first_attempts:  # a retried transaction does not wait again
            first_attempts.add(threading.get_ident())
            both_checked.wait()

    monkeypatch.setattr(services, "ensure_unchanged", check_then_wait)
    statuses = {}

    def write(title):
        try:
            response = bearer_client(user, client_ip).patch(url_of(event), {"title": title}, format="json", HTTP_IF_MATCH=tag)
            statuses[title] = response.status_code
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(title,)) for title in ("first", "second")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(statuses.values()) == [200, 412], statuses
    winner = next(title for title, code in statuses.items() if code == 200)
    assert bearer_client(user, client_ip).get(url_of(event)).json()["title"] == winner


def test_authenticated_answers_are_private_and_vary_on_authorization(auth_client, event):
    for url in (url_of(event), "/api/events/", "/api/auth/me/"):
        response = auth_client.get(url)
        assert response.status_code == 200
        directives = {part.strip() for part in response["Cache-Control"].split(",")}
        assert {"private", "no-cache"} <= directives, url
        assert "Authorization" in [part.strip() for part in response["Vary"].split(",")], url
    not_modified = auth_client.get(url_of(event), HTTP_IF_NONE_MATCH=auth_client.get(url_of(event))["ETag"])
    assert "private" in not_modified["Cache-Control"]


def test_the_openapi_schema_documents_etags_304_and_412(api_client):
    schema = api_client.get("/api/schema/?format=json").json()
    detail = schema["paths"]["/api/events/{event_id}/"]
    listing = schema["paths"]["/api/events/"]["get"]
    for operation in (detail["get"], listing):
        assert "304" in operation["responses"]
        assert "ETag" in operation["responses"]["200"]["headers"]
        assert "If-None-Match" in {p["name"] for p in operation["parameters"]}
    for method in ("put", "patch", "delete"):
        assert "412" in detail[method]["responses"]
        assert "If-Match" in {p["name"] for p in detail[method]["parameters"]}
