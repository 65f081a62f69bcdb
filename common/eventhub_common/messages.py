"""The message contract (event changes, user access changes, attendance changes): building, serialising and validating.

The producer (the event service's outbox relay) and the consumer (the
notification service's worker) both go through `validate_message`, so a
message that one side accepts the other side accepts too. The JSON Schema in
`schemas/event-message.v1.json` is the normative definition; `docs/messages.md`
explains it with examples.
"""

import copy
import json
import uuid
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from typing import Any

import jsonschema_rs

SCHEMA_VERSION = 1
EVENT_CREATED = "event.created"
EVENT_UPDATED = "event.updated"
EVENT_DELETED = "event.deleted"
USER_DEACTIVATED = "user.deactivated"
USER_REACTIVATED = "user.reactivated"
USER_DELETED = "user.deleted"
ATTENDANCE_GOING = "attendance.going"
ATTENDANCE_WAITLISTED = "attendance.waitlisted"
ATTENDANCE_PROMOTED = "attendance.promoted"
ATTENDANCE_LEFT = "attendance.left"
EVENT_MESSAGE_TYPES = (EVENT_CREATED, EVENT_UPDATED, EVENT_DELETED)
USER_MESSAGE_TYPES = (USER_DEACTIVATED, USER_REACTIVATED, USER_DELETED)
ATTENDANCE_MESSAGE_TYPES = (ATTENDANCE_GOING, ATTENDANCE_WAITLISTED, ATTENDANCE_PROMOTED, ATTENDANCE_LEFT)
MESSAGE_TYPES = (*EVENT_MESSAGE_TYPES, *USER_MESSAGE_TYPES, *ATTENDANCE_MESSAGE_TYPES)
CONTENT_TYPE = "application/json"


class InvalidMessage(ValueError):
    """A message body that does not satisfy the contract; `reason` says why."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@cache
def message_schema() -> dict[str, Any]:
    text = resources.files(__package__).joinpath("schemas/event-message.v1.json").read_text("utf-8")
    return json.loads(text)


@cache
def _validator():
    """Draft 2020-12, formats as annotations (as the schema's own draft says). jsonschema-rs: ~3 µs a
    message where the pure-Python jsonschema took ~440 µs on a slow machine (docs/performance.md)."""
    return jsonschema_rs.validator_for(message_schema())


def isoformat_utc(moment: datetime) -> str:
    """ISO 8601 in UTC, milliseconds and a `Z` suffix (as the REST API and MongoDB have them)."""
    if moment.tzinfo is None:
        raise ValueError("naive datetimes are not allowed in messages")
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def build_message(
    message_type: str,
    *,
    actor: dict[str, str],
    data: dict[str, Any],
    message_id: str | None = None,
    occurred_at: datetime | None = None,
) -> dict[str, Any]:
    """Return a validated envelope for one event change."""
    message = {
        "message_id": message_id or str(uuid.uuid4()),
        "type": message_type,
        "version": SCHEMA_VERSION,
        "occurred_at": isoformat_utc(occurred_at or datetime.now(UTC)),
        "actor": copy.deepcopy(actor),
        "data": copy.deepcopy(data),
    }
    return validate_message(message)


def validate_message(message: Any) -> dict[str, Any]:
    """Return `message` unchanged if it satisfies the contract, else raise InvalidMessage."""
    try:
        errors = sorted(_validator().iter_errors(message), key=lambda e: list(e.instance_path))
    except ValueError as exc:  # a value JSON cannot hold (a datetime, a non-string key)
        raise InvalidMessage(f"(root): {exc}") from None
    if errors:
        first = errors[0]
        where = "/".join(str(part) for part in first.instance_path) or "(root)"
        raise InvalidMessage(f"{where}: {first.message}")
    return message


def encode_message(message: dict[str, Any]) -> bytes:
    return json.dumps(message, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def decode_message(body: bytes) -> dict[str, Any]:
    """Parse and validate a message body received from the broker."""
    try:
        message = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidMessage(f"body is not JSON: {exc}") from None
    return validate_message(message)
