"""`/metrics`: Prometheus's exposition of this process, open in development, behind METRICS_TOKEN when set."""

import pytest

pytestmark = pytest.mark.django_db


def test_metrics_count_requests_by_route_pattern_not_by_url(api_client, auth_client, user):
    from events.models import Event

    assert auth_client.get("/api/events/000000000000000000000000/").status_code == 404
    body = api_client.get("/metrics").content.decode()
    assert 'route="api/events/<str:event_id>/"' in body and "000000000000000000000000" not in body
    assert "eventhub_http_request_duration_seconds_bucket" in body
    assert Event.objects.count() == 0


def test_with_a_token_metrics_answer_only_that_bearer(api_client, monkeypatch):
    monkeypatch.setenv("METRICS_TOKEN", "scrape-secret")
    hidden = api_client.get("/metrics")
    assert hidden.status_code == 404 and hidden.json()["error"]["code"] == "not_found"
    assert api_client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
    shown = api_client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-secret")
    assert shown.status_code == 200 and shown["Content-Type"].startswith("text/plain")
