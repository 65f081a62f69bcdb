"""API docs and the admin can each be switched off (API_DOCS_ENABLED, ADMIN_ENABLED); off, their URLs are
404s in the one error shape. (BROWSABLE_API_ENABLED is read when DRF's views are defined, so it is tested
in a fresh process: tests/deployment/test_production_settings.py.)"""

import importlib
from contextlib import contextmanager

import pytest
from django.test import override_settings
from django.urls import clear_url_caches

pytestmark = pytest.mark.django_db


@contextmanager
def url_map(**switches):
    """The URL map built again under `switches` (it reads them when it is imported), then as it was."""
    import config.urls

    try:
        with override_settings(**switches):
            importlib.reload(config.urls)
            clear_url_caches()
            yield
    finally:
        importlib.reload(config.urls)
        clear_url_caches()


DOCS = ["/api/schema/", "/api/docs/", "/api/redoc/"]
ADMIN = ["/admin/", "/admin/login/"]


def test_on_by_default(api_client):
    for url in DOCS:
        assert api_client.get(url).status_code == 200, url
    assert api_client.get("/admin/login/").status_code == 200


def test_docs_and_admin_switched_off_are_404s_and_the_probes_stay(api_client):
    with url_map(API_DOCS_ENABLED=False, ADMIN_ENABLED=False):
        for url in DOCS + ADMIN:
            response = api_client.get(url)
            assert response.status_code == 404, url
            assert response.json()["error"]["code"] == "not_found"
        assert api_client.get("/healthz").status_code == 200
        assert api_client.get("/api/events/").status_code == 401  # the API itself is there
