"""One error shape everywhere, health probes, and the documented API."""

import pytest

pytestmark = pytest.mark.django_db


def assert_error_shape(response, status: int):
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert error["status"] == status
    assert isinstance(error["code"], str) and isinstance(error["message"], str)


def test_unknown_url_is_a_json_404(api_client):
    assert_error_shape(api_client.get("/api/nothing-here/"), 404)


def test_malformed_json_body_is_a_400(auth_client):
    response = auth_client.post("/api/events/", "{not json", content_type="application/json")
    assert_error_shape(response, 400)


def test_unsupported_media_type_is_a_415(auth_client):
    response = auth_client.post("/api/events/", "title=x", content_type="application/x-www-form-urlencoded")
    assert_error_shape(response, 415)


def test_method_not_allowed_is_a_405(auth_client):
    assert_error_shape(auth_client.delete("/api/events/"), 405)


def test_missing_token_is_a_401_in_the_error_shape(api_client):
    assert_error_shape(api_client.get("/api/events/"), 401)


def test_unexpected_errors_become_a_500_without_internals(auth_client, monkeypatch):
    from events import selectors

    def explode(**kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(selectors, "event_list", explode)
    response = auth_client.get("/api/events/")
    assert_error_shape(response, 500)
    assert "secret" not in response.content.decode()


def test_healthz_and_readyz(api_client):
    assert api_client.get("/healthz").json() == {"status": "ok"}
    ready = api_client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"]["mongodb"] == "ok"


def test_openapi_schema_documents_every_endpoint_with_auth_and_errors(api_client):
    response = api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    paths = schema["paths"]
    for path in ("/api/auth/register/", "/api/auth/login/", "/api/auth/refresh/", "/api/auth/me/", "/api/events/", "/api/events/{event_id}/"):
        assert path in paths
    assert schema["components"]["securitySchemes"]["BearerAuth"]["scheme"] == "bearer"
    assert "429" in paths["/api/auth/login/"]["post"]["responses"]
    assert {"400", "401", "403", "404"} <= set(paths["/api/events/{event_id}/"]["patch"]["responses"])
    assert "Error" in schema["components"]["schemas"]


def test_swagger_ui_and_redoc_are_served_without_a_cdn(api_client):
    for url in ("/api/docs/", "/api/redoc/"):
        response = api_client.get(url)
        assert response.status_code == 200
        assert "cdn.jsdelivr" not in response.content.decode()


def test_admin_login_page_renders(api_client):
    assert api_client.get("/admin/login/").status_code == 200


def test_browsable_api_renders_for_a_browser(auth_client):
    response = auth_client.get("/api/events/", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert b"<html" in response.content


def test_browser_client_origin_may_call_the_api_cross_origin(api_client):
    response = api_client.options(
        "/api/auth/login/", HTTP_ORIGIN="http://127.0.0.1:8001", HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST"
    )
    assert response["Access-Control-Allow-Origin"] == "http://127.0.0.1:8001"
    other = api_client.options("/api/auth/login/", HTTP_ORIGIN="http://evil.example", HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST")
    assert "Access-Control-Allow-Origin" not in other
