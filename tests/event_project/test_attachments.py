"""Attachments: presigned direct uploads to a real S3-compatible server (moto in server mode) and the confirm step."""

import httpx
import pytest

from .factories import make_event

pytestmark = pytest.mark.django_db

BUCKET = "eventhub-test-attachments"


@pytest.fixture(scope="module")
def s3_server():
    from manage_scripts.s3_server import moto_s3_server

    with moto_s3_server() as url:
        yield url


@pytest.fixture
def s3(s3_server, settings, monkeypatch):
    import boto3

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    settings.S3_BUCKET = BUCKET
    settings.S3_ENDPOINT_URL = s3_server
    settings.S3_PUBLIC_BASE_URL = ""
    settings.ATTACHMENT_MAX_BYTES = 1024
    client = boto3.client("s3", region_name="us-east-1", endpoint_url=s3_server)
    client.create_bucket(Bucket=BUCKET)
    return client


def presign(client, event, **body):
    body = {"filename": "agenda.pdf", "content_type": "application/pdf", **body}
    return client.post(f"/api/events/{event.pk}/attachment/", body, format="json")


def upload(presigned: dict, content: bytes, content_type: str = "application/pdf") -> httpx.Response:
    files = {"file": ("agenda.pdf", content, content_type)}
    return httpx.post(presigned["upload"]["url"], data=presigned["upload"]["fields"], files=files, timeout=10)


def test_upload_and_confirm_sets_the_attachment_url_and_notifies(auth_client, user, s3):
    from outbox.models import OutboxMessage

    event = make_event(user)
    presigned = presign(auth_client, event).json()
    assert presigned["key"].startswith(f"attachments/{event.pk}/")
    assert presigned["max_bytes"] == 1024

    assert upload(presigned, b"%PDF-1.4 tiny").status_code in (200, 201, 204)
    stored = s3.get_object(Bucket=BUCKET, Key=presigned["key"])
    assert stored["Body"].read() == b"%PDF-1.4 tiny"

    confirmed = auth_client.post(f"/api/events/{event.pk}/attachment/confirm/", {"key": presigned["key"]}, format="json")
    assert confirmed.status_code == 200
    assert confirmed.json()["attachment_url"].endswith(presigned["key"])
    update = OutboxMessage.objects.filter(routing_key="event.updated").order_by("-created_at").first()
    assert update.body["data"]["changed_fields"] == ["attachment_url"]


def test_the_signed_policy_fixes_key_content_type_and_size(auth_client, user, s3):
    import base64
    import json

    event = make_event(user)
    presigned = presign(auth_client, event).json()
    policy = json.loads(base64.b64decode(presigned["upload"]["fields"]["policy"]))
    conditions = policy["conditions"]
    assert ["content-length-range", 1, 1024] in conditions
    assert {"Content-Type": "application/pdf"} in conditions
    assert {"key": presigned["key"]} in conditions
    assert presign(auth_client, event, content_type="application/x-msdownload").status_code == 400


def test_confirm_refuses_an_oversized_object_even_if_the_store_accepted_it(auth_client, user, s3):
    """moto (unlike S3) does not enforce POST policy conditions; the confirm step checks again."""
    event = make_event(user)
    presigned = presign(auth_client, event).json()
    upload(presigned, b"x" * 2048)
    response = auth_client.post(f"/api/events/{event.pk}/attachment/confirm/", {"key": presigned["key"]}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "attachment_rejected"


def test_confirm_without_an_upload_is_404_and_foreign_keys_are_refused(auth_client, user, s3):
    event = make_event(user)
    other = make_event(user)
    presigned = presign(auth_client, other).json()
    upload(presigned, b"%PDF")
    assert auth_client.post(f"/api/events/{event.pk}/attachment/confirm/", {"key": f"attachments/{event.pk}/nope/a.pdf"}, format="json").status_code == 404
    refused = auth_client.post(f"/api/events/{event.pk}/attachment/confirm/", {"key": presigned["key"]}, format="json")
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "attachment_rejected"


def test_only_the_creator_may_attach(other_client, user, s3):
    event = make_event(user)
    assert presign(other_client, event).status_code == 403


def test_without_s3_configuration_attachments_are_503(auth_client, user, settings):
    settings.S3_BUCKET = ""
    response = presign(auth_client, make_event(user))
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "service_unavailable"
