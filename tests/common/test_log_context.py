"""Log context: W3C trace context continued or started, and the JSON lines production writes."""

import io
import json
import logging
import logging.config

import pytest

from eventhub_common.django_settings import logging_config
from eventhub_common.log_context import bound, continue_trace, trace_id

PARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def test_a_valid_parent_is_continued_with_a_new_span():
    child = continue_trace(PARENT)
    assert trace_id(child) == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert child.split("-")[2] != "00f067aa0ba902b7" and child.endswith("-01")


@pytest.mark.parametrize(
    "parent",
    [None, "", "garbage", "00-" + "0" * 32 + "-00f067aa0ba902b7-01", "00-4bf92f3577b34da6a3ce929d0e0e4736-" + "0" * 16 + "-01",
     "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", PARENT.upper()],
)
def test_a_missing_or_malformed_parent_starts_a_trace(parent):
    started = continue_trace(parent)
    version, trace, span, flags = started.split("-")
    assert (version, flags) == ("00", "01") and len(trace) == 32 and len(span) == 16
    assert trace != "4bf92f3577b34da6a3ce929d0e0e4736"


def test_json_lines_carry_the_context(monkeypatch):
    monkeypatch.setenv("LOG_FORMAT", "json")
    config = logging_config([])
    stream = io.StringIO()
    config["handlers"]["console"]["stream"] = stream
    config["root"]["level"] = "INFO"
    logging.config.dictConfig(config)
    try:
        with bound(request_id="req-1", user_id="u-1", traceparent=PARENT):
            logging.getLogger("eventhub.test").info("hello %s", "world", extra={"status": 201})
        logging.getLogger("eventhub.test").info("outside")
    finally:
        logging.config.dictConfig({"version": 1, "disable_existing_loggers": False})
    inside, outside = (json.loads(line) for line in stream.getvalue().splitlines())
    assert inside["message"] == "hello world" and inside["level"] == "INFO" and inside["logger"] == "eventhub.test"
    assert inside["request_id"] == "req-1" and inside["user_id"] == "u-1" and inside["status"] == 201
    assert inside["trace_id"] == "4bf92f3577b34da6a3ce929d0e0e4736" and isinstance(inside["process"], int) and inside["time"]
    assert outside["request_id"] is None and outside["trace_id"] is None


def test_an_unknown_format_is_refused(monkeypatch):
    monkeypatch.setenv("LOG_FORMAT", "xml")
    with pytest.raises(ValueError, match="LOG_FORMAT"):
        logging_config([])


def test_the_access_log_can_be_switched_off(monkeypatch):
    assert "eventhub.access" not in logging_config([])["loggers"]
    monkeypatch.setenv("ACCESS_LOG", "false")
    assert logging_config([])["loggers"]["eventhub.access"] == {"level": "WARNING"}
