"""A Prometheus server for the running system: its scrape configuration, and the process that runs it.

The run command adds it to the supervised processes when Debian's `prometheus` is installed (`make
prometheus` installs it); the same configuration shape is in `docker/prometheus/prometheus.yml` for
compose. Jobs: `event-api` and `notifications` (`/metrics` of each node), `outbox-relay` and `consumer`
(their METRICS_PORT).
"""

import shutil
from pathlib import Path

from .system import ProcessSpec, Ports

SCRAPE_SECONDS = 5


def scrape_config(ports: Ports, metrics_token: str = "") -> str:
    """prometheus.yml scraping every process of a system on `ports` (its relay and consumer metrics ports set)."""

    def job(name: str, targets: list[int], bearer: bool) -> str:
        listed = ", ".join(f"'127.0.0.1:{port}'" for port in targets)
        authorization = f"\n    authorization: {{credentials: '{metrics_token}'}}" if bearer and metrics_token else ""
        return f"  - job_name: {name}{authorization}\n    static_configs: [{{targets: [{listed}]}}]\n"

    consumers = [ports.metrics + 1 + i for i in range(ports.nodes)]
    return (
        f"global:\n  scrape_interval: {SCRAPE_SECONDS}s\n  evaluation_interval: {SCRAPE_SECONDS}s\n"
        "scrape_configs:\n"
        + job("event-api", ports.event_api_ports(), bearer=True)
        + job("notifications", ports.notification_ports(), bearer=True)
        + job("outbox-relay", [ports.metrics], bearer=False)
        + job("consumer", consumers, bearer=False)
    )


def prometheus_spec(ports: Ports, directory: Path, listen_port: int, metrics_token: str = "") -> ProcessSpec | None:
    """The Prometheus process, its configuration written into `directory`; None when it is not installed."""
    binary = shutil.which("prometheus")
    if binary is None:
        return None
    directory.mkdir(parents=True, exist_ok=True)
    config = directory / "prometheus.yml"
    config.write_text(scrape_config(ports, metrics_token))
    command = [
        binary,
        f"--config.file={config}",
        f"--storage.tsdb.path={directory / 'data'}",
        f"--web.listen-address=127.0.0.1:{listen_port}",
        "--log.level=warn",
    ]
    return ProcessSpec("prometheus", command, directory)
