"""Event attachments on S3 (or any S3-compatible store): presigned direct uploads, then a confirm.

The browser uploads the file straight to the bucket with a presigned POST whose
policy fixes the key, the content type and the size range, so the bytes never
pass through Django. The confirm call checks that the object really exists
within the limits and sets the event's `attachment_url`, an ordinary update
that notifies subscribers like any other.
"""

import re
import uuid
from dataclasses import dataclass
from functools import cache

import boto3
from botocore.client import Config
from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings

from core.exceptions import ApiError, NotFound, ServiceUnavailable

from . import services
from .models import Event

UPLOAD_EXPIRES_SECONDS = 600
SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


class AttachmentRejected(ApiError):
    default_code = "attachment_rejected"
    default_detail = "The uploaded file does not meet the upload policy."


@dataclass(frozen=True)
class S3Settings:
    bucket: str
    region: str
    prefix: str
    endpoint_url: str | None
    public_base_url: str | None
    max_bytes: int
    content_types: tuple[str, ...]


def s3_settings() -> S3Settings:
    if not settings.S3_BUCKET:
        raise ServiceUnavailable("Attachments are not configured (S3_BUCKET is unset).")
    return S3Settings(
        bucket=settings.S3_BUCKET,
        region=settings.S3_REGION,
        prefix=settings.S3_PREFIX,
        endpoint_url=settings.S3_ENDPOINT_URL or None,
        public_base_url=settings.S3_PUBLIC_BASE_URL or None,
        max_bytes=settings.ATTACHMENT_MAX_BYTES,
        content_types=tuple(settings.ATTACHMENT_CONTENT_TYPES),
    )


@cache
def _client(region: str, endpoint_url: str | None):
    return boto3.client("s3", region_name=region, endpoint_url=endpoint_url, config=Config(signature_version="s3v4"))


def s3_client(config: S3Settings):
    return _client(config.region, config.endpoint_url)


def event_prefix(config: S3Settings, event: Event) -> str:
    return f"{config.prefix}{event.pk}/"


def public_url(config: S3Settings, key: str) -> str:
    if config.public_base_url:
        return f"{config.public_base_url.rstrip('/')}/{key}"
    if config.endpoint_url:
        return f"{config.endpoint_url.rstrip('/')}/{config.bucket}/{key}"
    return f"https://{config.bucket}.s3.{config.region}.amazonaws.com/{key}"


def presign_upload(*, event: Event, user, filename: str, content_type: str) -> dict:
    """A presigned POST for one file of `content_type` up to the size limit (creator only)."""
    services.ensure_can_modify(event, user)
    config = s3_settings()
    if content_type not in config.content_types:
        raise AttachmentRejected(f"Content type must be one of: {', '.join(config.content_types)}.")
    name = SAFE_NAME.sub("-", filename).strip("-.")[:100] or "file"
    key = f"{event_prefix(config, event)}{uuid.uuid4().hex}/{name}"
    try:
        upload = s3_client(config).generate_presigned_post(
            config.bucket,
            key,
            Fields={"Content-Type": content_type},
            Conditions=[{"Content-Type": content_type}, ["content-length-range", 1, config.max_bytes]],
            ExpiresIn=UPLOAD_EXPIRES_SECONDS,
        )
    except (BotoCoreError, ClientError) as exc:
        raise ServiceUnavailable(f"Could not sign the upload: {exc.__class__.__name__}.") from None
    return {
        "upload": {"url": upload["url"], "fields": upload["fields"]},
        "key": key,
        "max_bytes": config.max_bytes,
        "content_type": content_type,
        "expires_in": UPLOAD_EXPIRES_SECONDS,
    }


def confirm_upload(*, event: Event, user, key: str) -> Event:
    """Check the uploaded object and make it the event's attachment (an `event.updated`)."""
    services.ensure_can_modify(event, user)
    config = s3_settings()
    if not key.startswith(event_prefix(config, event)) or ".." in key:
        raise AttachmentRejected("This key does not belong to this event's uploads.")
    try:
        head = s3_client(config).head_object(Bucket=config.bucket, Key=key)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}:
            raise NotFound("No uploaded file with this key; upload it first.") from None
        raise ServiceUnavailable("The attachment store did not answer.") from None
    except BotoCoreError:
        raise ServiceUnavailable("The attachment store did not answer.") from None
    if head["ContentLength"] > config.max_bytes or head.get("ContentType") not in config.content_types:
        raise AttachmentRejected()
    return services.event_update(event=event, user=user, data={"attachment_url": public_url(config, key)})
