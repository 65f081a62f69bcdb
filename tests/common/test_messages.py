"""The message contract: building, validating and decoding envelopes; schema snapshots stay readable."""

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from eventhub_common.messages import (
    InvalidMessage,
    build_message,
    decode_message,
    encode_message,
    validate_message,
)

SNAPSHOTS = Path(__file__).parent / "message_snapshots"
USER = {"id": "6b04e039f97595e733123a9c", "username": "ada"}


def event_data(**overrides):
    data = {
        "id": "6b04e039f97595e733123a9d",
        "title": "PyCon",
        "start_time": "2027-05-01T09:00:00.000Z",
        "end_time": "2027-05-01T18:00:00.000Z",
        "status": "scheduled",
        "created_by": USER,
    }
    data.update(overrides)
    return data


def test_built_message_has_the_envelope_fields():
    moment = datetime(2027, 1, 2, 3, 4, 5, tzinfo=UTC)
    message = build_message("event.created", actor=USER, data=event_data(), occurred_at=moment)
    assert set(message) == {"message_id", "type", "version", "occurred_at", "actor", "data"}
    assert uuid.UUID(message["message_id"]).version == 4
    assert message["version"] == 1
    assert message["occurred_at"] == "2027-01-02T03:04:05.000Z"


def test_round_trip_through_bytes():
    message = build_message("event.updated", actor=USER, data=event_data(changed_fields=["title"]))
    assert decode_message(encode_message(message)) == message


@pytest.mark.parametrize(
    ("mutate", "where"),
    [
        (lambda m: m.update(type="event.renamed"), "type"),
        (lambda m: m.update(version=2), "version"),
        (lambda m: m.pop("message_id"), "(root)"),
        (lambda m: m["data"].update(id="not-an-object-id"), "data/id"),
        (lambda m: m["data"].update(title=""), "data/title"),
        (lambda m: m["actor"].pop("username"), "actor"),
        (lambda m: m.update(occurred_at="yesterday"), "occurred_at"),
    ],
)
def test_invalid_messages_are_refused_with_the_reason(mutate, where):
    message = build_message("event.created", actor=USER, data=event_data())
    mutate(message)
    with pytest.raises(InvalidMessage) as excinfo:
        validate_message(message)
    assert excinfo.value.reason.startswith(where)


@pytest.mark.parametrize("body", [b"not json", b"\xff\xfe", b"[]", b"null", b'{"type": "event.created"}'])
def test_undecodable_bodies_are_invalid_messages(body):
    with pytest.raises(InvalidMessage):
        decode_message(body)


@pytest.mark.parametrize("value", [datetime(2027, 1, 1, tzinfo=UTC), {1: "a key that is not a string"}, object()])
def test_values_json_cannot_hold_are_invalid_messages(value):
    message = build_message("event.created", actor=USER, data=event_data())
    message["data"]["title"] = value
    with pytest.raises(InvalidMessage) as excinfo:
        validate_message(message)
    assert excinfo.value.reason.startswith("(root): ")


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        build_message("event.created", actor=USER, data=event_data(), occurred_at=datetime(2027, 1, 1))


@pytest.mark.parametrize("snapshot", sorted(SNAPSHOTS.glob("*.json")), ids=lambda p: p.name)
def test_yesterdays_messages_are_still_valid(snapshot):
    validate_message(json.loads(snapshot.read_text()))


@pytest.mark.parametrize("kind", ["user.deactivated", "user.reactivated", "user.deleted"])
def test_user_messages_carry_the_user_and_not_an_event(kind):
    assert build_message(kind, actor=USER, data=dict(USER))["data"] == USER
    with pytest.raises(InvalidMessage, match="data"):
        build_message(kind, actor=USER, data={"id": USER["id"]})  # no username
    with pytest.raises(InvalidMessage):
        build_message("event.deleted", actor=USER, data=dict(USER))  # an event message needs the event
    with pytest.raises(InvalidMessage):
        build_message("user.renamed", actor=USER, data=dict(USER))  # not a type of the contract


ATTENDANCE = {"status": "waitlisted", "position": 2, "version": 9}


@pytest.mark.parametrize("kind", ["attendance.going", "attendance.waitlisted", "attendance.promoted", "attendance.left"])
def test_attendance_messages_carry_the_event_the_attendee_and_the_new_state(kind):
    data = {**event_data(), "attendee": dict(USER), "attendance": dict(ATTENDANCE)}
    assert build_message(kind, actor=USER, data=data)["data"]["attendance"] == ATTENDANCE
    for broken in (
        {key: value for key, value in data.items() if key != "attendee"},
        {**data, "attendance": {**ATTENDANCE, "status": "maybe"}},
        {**data, "attendance": {**ATTENDANCE, "version": 0}},
        {**data, "attendance": {"status": "going", "position": None}},  # no version
        {key: value for key, value in data.items() if key != "title"},  # the event is still required
    ):
        with pytest.raises(InvalidMessage):
            build_message(kind, actor=USER, data=broken)
