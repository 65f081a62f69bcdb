"""The benchmark's smoke mode runs end to end and writes its report (no timing is asserted).

`make bench ARGS=--smoke` is a miniature of the whole benchmark: the system in
production configuration, the spec profile, each ceiling's first step. Running
it here keeps the benchmark from rotting; its numbers are not checked.
"""

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

# Looked up, not imported: importing locust monkey-patches the process with gevent.
if not all(importlib.util.find_spec(name) for name in ("locust", "matplotlib", "psutil")):
    pytest.skip("benchmark tools not installed: run `make bench` once (requirements/bench.txt)", allow_module_level=True)

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.timeout(400)
def test_smoke_run_writes_a_complete_report_without_errors(tmp_path):
    out = tmp_path / "bench"
    completed = subprocess.run(
        [sys.executable, "-m", "manage_scripts.bench", "--smoke", "--out", str(out)],
        cwd=REPO_ROOT, env=dict(os.environ), capture_output=True, text=True, timeout=380,
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    assert "MongoDB: " in completed.stdout

    report = json.loads((out / "report.json").read_text())
    assert {"conditions", "spec_profile", "ceilings", "checks"} <= report.keys()
    assert {"mongodb", "event_api", "notifications"} <= report["conditions"].keys()
    http = report["spec_profile"]["http"]
    assert set(http["endpoints"]) == {"list", "detail", "create", "update", "delete"}
    for endpoint in http["endpoints"].values():
        assert {"count", "p50_ms", "p95_ms", "p99_ms", "errors"} <= endpoint.keys()
    assert http["errors"] == 0, http["endpoints"]
    assert "load_generator_cpu" in http
    for name in ("reads", "writes"):
        assert report["ceilings"][name]["steps"][0]["errors"] == 0
    if report["conditions"]["notifications"] == "available":
        sockets = report["spec_profile"]["websockets"]
        assert sockets["notifications_expected"] > 0
        assert sockets["lost"] == 0
        assert report["ceilings"]["websockets"]["steps"][0]["lost"] == 0
    for chart in ("latency-distribution.png", "timeline.png", "ceilings.png"):
        assert (out / chart).stat().st_size > 0


@pytest.mark.timeout(400)
def test_writes_only_smoke_run_delivers_every_create_and_reports_cpu_per_create(tmp_path):
    out = tmp_path / "bench-writes"
    completed = subprocess.run(
        [sys.executable, "-m", "manage_scripts.bench", "--writes-only", "--smoke", "--preload-notifications", "500", "--out", str(out)],
        cwd=REPO_ROOT, env=dict(os.environ), capture_output=True, text=True, timeout=380,
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    writes = json.loads((out / "report.json").read_text())["writes"]
    for phase in ("burst", "fixed"):
        result = writes[phase]
        assert result["creates"] > 0 and result["http"]["errors"] == 0
        assert result["lost"] == 0 and result["notifications_received"] == result["creates"] * result["sockets"] > 0
        assert {"event-api", "outbox-relay", "consumer", "notifications"} <= result["cpu_ms_per_create"].keys()
    notifications = next(sizes for name, sizes in writes["sizes_after"].items() if name.startswith("bench_notifications"))
    assert notifications["notifications_notification"] == 500 + writes["burst"]["creates"] + writes["fixed"]["creates"]
