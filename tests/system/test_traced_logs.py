"""One create followed through every process (issue 21): the system runs production settings, whose logs
are JSON lines; the request's `traceparent` reaches the event API's lines, the outbox record, the relay,
the consumer and the WebSocket node, and the request id and user id are on the API's lines. With an OTLP
endpoint set, each of those processes exports its span of that trace."""

import json
import secrets
import time

import httpx
import pytest

from .clients import open_listener, register_and_log_in
from .harness import RunningSystem
from .test_end_to_end import event_body

PROCESSES = ["event-api", "outbox-relay", "consumer", "notifications"]


def json_lines(text: str) -> list[dict]:
    lines = []
    for line in text.splitlines():
        line = line.split(" | ", 1)[-1].strip()  # a supervisor's prefix, if any
        if line.startswith("{"):
            lines.append(json.loads(line))
    return lines


def test_one_create_is_found_in_every_process_by_its_trace_id(system):
    user = register_and_log_in(system.event_api, "tracer")
    listener = open_listener(system.websocket, user)
    trace_id, request_id = secrets.token_hex(16), f"trace-test-{secrets.token_hex(4)}"
    headers = {**user.headers, "traceparent": f"00-{trace_id}-{secrets.token_hex(8)}-01", "X-Request-ID": request_id}
    response = httpx.post(f"{system.event_api}/api/events/", json=event_body("Traced"), headers=headers, timeout=10)
    assert response.status_code == 201 and response.headers["X-Request-ID"] == request_id
    assert [item.payload["event"]["title"] for item in listener.notifications(1, timeout=10)] == ["Traced"]
    listener.close()

    found: dict[str, list[dict]] = {}
    deadline = time.monotonic() + 10  # the node's line follows its push
    while time.monotonic() < deadline:
        found = {name: [line for line in json_lines(system.logs(name)) if line.get("trace_id") == trace_id] for name in PROCESSES}
        if all(found.values()):
            break
        time.sleep(0.1)
    assert all(found.values()), {name: len(lines) for name, lines in found.items()}

    (access,) = [line for line in found["event-api"] if line["logger"] == "eventhub.access"]
    assert access["request_id"] == request_id and access["user_id"] == user.id
    assert access["method"] == "POST" and access["path"] == "/api/events/" and access["status"] == 201
    for line in (access, *found["outbox-relay"], *found["consumer"], *found["notifications"]):
        assert {"time", "level", "process", "logger", "message"} <= line.keys(), line
    assert any("published event.created" in line["message"] for line in found["outbox-relay"])
    assert any("stored event.created" in line["message"] for line in found["consumer"])
    assert any("pushed notification" in line["message"] for line in found["notifications"])


def test_a_request_without_ids_gets_new_ones_and_a_malformed_request_id_is_replaced(system):
    first = httpx.get(f"{system.event_api}/healthz", timeout=10)
    second = httpx.get(f"{system.event_api}/healthz", headers={"X-Request-ID": "bad id\twith spaces"}, timeout=10)
    ids = {first.headers["X-Request-ID"], second.headers["X-Request-ID"]}
    assert len(ids) == 2 and all(len(value) == 32 for value in ids)


@pytest.fixture(scope="module")
def otlp_receiver():
    """A local OTLP/HTTP endpoint: (its URL, the (path, body) of every export so far; `exported_spans` reads them)."""
    from manage_scripts.recording_http_server import recording_http_server

    with recording_http_server() as (port, received):
        yield f"http://127.0.0.1:{port}", received


def exported_spans(received: list[tuple[str, bytes]]) -> set[tuple[str, str, str]]:
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

    spans = set()
    for path, body in list(received):
        if path != "/v1/traces":
            continue
        for resource_spans in ExportTraceServiceRequest.FromString(body).resource_spans:
            service = next(a.value.string_value for a in resource_spans.resource.attributes if a.key == "service.name")
            for scope in resource_spans.scope_spans:
                spans.update((service, item.name, item.trace_id.hex()) for item in scope.spans)
    return spans


def test_with_an_otlp_endpoint_every_process_exports_its_span_of_one_create(tmp_path_factory, otlp_receiver):
    endpoint, received = otlp_receiver
    system = RunningSystem(
        tmp_path_factory.mktemp("otel-logs"), LOGIN_RATE_LIMIT="60/m",
        OTEL_EXPORTER_OTLP_ENDPOINT=endpoint, OTEL_BSP_SCHEDULE_DELAY="200",
    )
    try:
        system.start_all()
        user = register_and_log_in(system.event_api, "spanner")
        listener = open_listener(system.websocket, user)
        trace_id = secrets.token_hex(16)
        headers = {**user.headers, "traceparent": f"00-{trace_id}-{secrets.token_hex(8)}-01"}
        assert httpx.post(f"{system.event_api}/api/events/", json=event_body("Spanned"), headers=headers, timeout=10).status_code == 201
        assert listener.notifications(1, timeout=10)
        listener.close()
        expected = {("eventhub-event", "HTTP POST"), ("eventhub-event", "outbox.publish"),
                    ("eventhub-notification", "consumer.store"), ("eventhub-notification", "websocket.push")}
        deadline = time.monotonic() + 15
        def in_trace() -> set[tuple[str, str]]:
            return {(service, name) for service, name, trace in exported_spans(received) if trace == trace_id}

        while time.monotonic() < deadline and not expected <= in_trace():
            time.sleep(0.2)
        assert expected <= in_trace(), sorted(in_trace())
    finally:
        system.stop_all()
