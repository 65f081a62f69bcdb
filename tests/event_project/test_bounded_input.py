"""Bounded input: every free-text and list field has a limit, big bodies are a 413, bad cursors a 400."""

import base64

import pytest
from django.test import override_settings

from .factories import event_payload
from .test_errors_and_docs import assert_error_shape

pytestmark = pytest.mark.django_db


def cursor(querystring: str) -> str:
    return base64.b64encode(querystring.encode()).decode()


@pytest.mark.parametrize(
    ("field", "at_limit", "over_limit"),
    [
        ("description", "d" * 10_000, "d" * 10_001),
        ("location", "l" * 255, "l" * 256),
        ("title", "t" * 100, "t" * 101),
        ("tags", [f"tag{n}" for n in range(20)], [f"tag{n}" for n in range(21)]),
        ("tags", ["x" * 50], ["x" * 51]),
    ],
)
def test_text_and_list_fields_take_their_limit_and_refuse_one_more(auth_client, field, at_limit, over_limit):
    assert auth_client.post("/api/events/", {**event_payload(), field: at_limit}, format="json").status_code == 201
    response = auth_client.post("/api/events/", {**event_payload(), field: over_limit}, format="json")
    assert_error_shape(response, 400)
    assert field in response.json()["error"]["details"]


def test_the_schema_states_the_limits(api_client):
    schema = api_client.get("/api/schema/?format=json").json()
    event = schema["components"]["schemas"]["EventRequest"]["properties"]
    assert event["description"]["maxLength"] == 10_000
    assert event["location"]["maxLength"] == 255
    assert event["tags"]["maxItems"] == 20 and event["tags"]["items"]["maxLength"] == 50


def test_a_body_over_the_limit_is_a_413_before_it_is_read(auth_client):
    huge = {**event_payload(), "description": "d" * (1024 * 1024)}
    response = auth_client.post("/api/events/", huge, format="json")
    assert_error_shape(response, 413)
    assert response.json()["error"]["code"] == "payload_too_large"


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=2000)
def test_the_limit_is_configurable(auth_client):
    response = auth_client.post("/api/events/", {**event_payload(), "description": "d" * 3000}, format="json")
    assert_error_shape(response, 413)
    assert "2000 bytes" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    "bad",
    [cursor("p=not-a-date"), cursor("o=-1"), cursor("r=maybe"), "%%%not-base64", cursor("p=2030-01-01T00:00:00Z&o=x")],
)
def test_malformed_cursors_are_a_400_invalid_cursor(auth_client, bad):
    response = auth_client.get("/api/events/", {"cursor": bad})
    assert_error_shape(response, 400)
    assert response.json()["error"]["code"] == "invalid_cursor"


def test_a_cursor_the_api_gave_out_still_works(auth_client):
    for _ in range(3):
        auth_client.post("/api/events/", event_payload(), format="json")
    first = auth_client.get("/api/events/", {"page_size": 2}).json()
    assert auth_client.get(first["next"]).status_code == 200


@pytest.mark.parametrize("query", ["start_after=", "start_before=", "start_after=&page_size=5"])
def test_an_empty_filter_value_filters_nothing(auth_client, query):
    """Found by schemathesis: `?start_after=` validated as no filter but still chose the chunk path (500)."""
    auth_client.post("/api/events/", event_payload(), format="json")
    response = auth_client.get(f"/api/events/?{query}")
    assert response.status_code == 200, response.content
    assert len(response.json()["results"]) == 1


def test_an_empty_description_is_accepted(auth_client):
    """Found by schemathesis: the serializer allowed it, the model's full_clean did not (500)."""
    response = auth_client.post("/api/events/", event_payload(description=""), format="json")
    assert response.status_code == 201, response.content
    assert response.json()["description"] == ""


def test_a_model_validation_error_in_a_service_is_a_400_in_the_error_shape():
    from django.core.exceptions import ValidationError
    from eventhub_common.api_errors import api_exception_handler

    response = api_exception_handler(ValidationError({"title": ["Not like that."]}), {})
    assert response.status_code == 400
    assert response.data == {"error": {"status": 400, "code": "validation_error", "message": "The request is invalid.", "details": {"title": ["Not like that."]}}}
