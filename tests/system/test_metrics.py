"""Metrics in a real Prometheus (issue 21): the system as `make run` runs it, Prometheus included, scrapes
every process; after writes and WebSocket deliveries its HTTP API has the request counts and the
delivery-latency histogram."""

import shutil
import subprocess
import time

import httpx
import pytest

from .clients import open_listener, register_and_log_in
from .harness import RunningSystem
from .test_end_to_end import event_body

pytestmark = pytest.mark.skipif(shutil.which("prometheus") is None, reason="Debian's prometheus is not installed")


@pytest.fixture(scope="module")
def monitored(tmp_path_factory):
    system = RunningSystem(tmp_path_factory.mktemp("metrics-logs"), LOGIN_RATE_LIMIT="60/m")
    try:
        system.start_supervised()
        yield system
    finally:
        system.stop_all()


def query(system: RunningSystem, expression: str) -> float:
    answer = httpx.get(f"http://127.0.0.1:{system.prometheus_port}/api/v1/query", params={"query": expression}, timeout=5)
    answer.raise_for_status()
    result = answer.json()["data"]["result"]
    return float(result[0]["value"][1]) if result else 0.0


def eventually(system: RunningSystem, expression: str, at_least: float, timeout: float = 40) -> float:
    deadline, value = time.monotonic() + timeout, 0.0
    while time.monotonic() < deadline:
        try:
            value = query(system, expression)
        except httpx.HTTPError:
            value = 0.0
        if value >= at_least:
            return value
        time.sleep(1)
    raise AssertionError(f"{expression} = {value} after {timeout:.0f}s (wanted at least {at_least})")


def test_the_generated_scrape_configuration_passes_promtool(monitored):
    config = monitored.log_dir / "prometheus" / "prometheus.yml"
    checked = subprocess.run(["promtool", "check", "config", str(config)], capture_output=True, text=True, timeout=30)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_prometheus_scrapes_every_process_and_has_requests_and_delivery_latency(monitored):
    user = register_and_log_in(monitored.event_api, "metered")
    socket = open_listener(monitored.websocket, user)
    try:
        for n in range(5):
            created = httpx.post(f"{monitored.event_api}/api/events/", json=event_body(f"metered {n}"), headers=user.headers)
            assert created.status_code == 201
        assert len(socket.notifications(5, timeout=15)) == 5
    finally:
        socket.close()
    for job in ("event-api", "notifications", "outbox-relay", "consumer"):
        assert eventually(monitored, f'min(up{{job="{job}"}})', 1) == 1, job
    created = 'sum(eventhub_http_request_duration_seconds_count{job="event-api",route="api/events/",method="POST",status="201"})'
    assert eventually(monitored, created, 5) >= 5
    assert eventually(monitored, "sum(eventhub_notification_delivery_seconds_count)", 5) >= 5
    assert eventually(monitored, 'sum(eventhub_consumer_messages_total{outcome="stored"})', 5) >= 5
    assert eventually(monitored, 'sum(eventhub_relay_messages_total{outcome="confirmed"})', 5) >= 5
    p99 = query(monitored, "histogram_quantile(0.99, sum by (le) (eventhub_notification_delivery_seconds_bucket))")
    print(f"\n[metrics] delivery p99 from Prometheus: {p99:.3f} s")
    assert 0 < p99 <= 10
