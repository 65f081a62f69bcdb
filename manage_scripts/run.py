"""The run command: the whole system in the foreground until Ctrl-C or SIGTERM.

Checks RabbitMQ and Redis (starting a local one of each if needed; with `--broker-cluster`, a local
3-node RabbitMQ cluster instead, stopped again at the end if this command started it), starts the
embedded MongoDB (unless MONGODB_URI is set), applies migrations of both services,
then supervises every process of `system.process_specs` with honcho, which
prefixes each log line with the process name; a process that exits is started
again with backoff (`supervision`), and Ctrl-C or SIGTERM stops them all.
"""

import argparse
import os
import subprocess
import sys
from pathlib import Path

from .embedded_mongo import REPO_ROOT, mongodb, server_executable
from .prometheus import prometheus_spec
from .rabbitmq import ensure_rabbitmq
from .rabbitmq_cluster import LocalCluster
from .redis_server import ensure_redis
from .supervision import RestartingManager
from .system import Ports, empty_metrics_dirs, migrate_commands, process_specs



def data_dir() -> Path:
    """The embedded database's files; the Rust and the Python server store them differently, so each has its own."""
    return REPO_ROOT / "var" / ("mongodb-rs" if "secantusd-rs" in Path(server_executable()).name else "mongodb")


def banner(ports: Ports, prometheus_port: int | None, cluster: LocalCluster | None = None) -> str:
    api = f"http://127.0.0.1:{ports.event_api}"
    notify = f"http://127.0.0.1:{ports.notifications}"
    nodes = (
        [f"  Nodes           event API on {ports.event_api_ports()}, notifications on {ports.notification_ports()}"]
        if ports.nodes > 1
        else []
    )
    return "\n".join(
        [
            "EventHub is starting:",
            f"  Event API       {api}/api/events/",
            f"  Auth            {api}/api/auth/register/  {api}/api/auth/login/",
            f"  Swagger UI      {api}/api/docs/   (ReDoc {api}/api/redoc/)",
            f"  Admin           {api}/admin/      (make manage ARGS=createsuperuser)",
            f"  Health          {api}/healthz  {api}/readyz",
            f"  Notifications   {notify}/api/notifications/   (Swagger {notify}/api/docs/)",
            f"  WebSocket       ws://127.0.0.1:{ports.notifications}/ws/notifications/?token=<access token>",
            f"  Browser client  {notify}/",
            f"  Metrics         {api}/metrics  {notify}/metrics  relay :{ports.metrics}  consumer :{ports.metrics + 1}",
            f"  Prometheus      http://127.0.0.1:{prometheus_port}/" if prometheus_port else
            "  Prometheus      not installed (make prometheus, or apt-get install prometheus)",
            *nodes,
            *([f"  RabbitMQ        a cluster of {', '.join(f'{n.name} (:{n.port})' for n in cluster.nodes)}"] if cluster else []),
            "Stop with Ctrl-C.",
        ]
    )


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="make run", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--nodes", type=int, default=1,
        help="event API nodes (ports 8000, 8010, ...), notification nodes (8001, 8002, ...) and consumers",
    )
    parser.add_argument(
        "--broker-cluster", action="store_true",
        help="run against a local 3-node RabbitMQ cluster (manage_scripts.rabbitmq_cluster; ports 5681-5683), "
        "started if it is not running; every broker client gets its nodes in AMQP_URLS",
    )
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    ports = Ports(
        event_api=int(os.environ.get("EVENT_API_PORT", "8000")),
        notifications=int(os.environ.get("NOTIFICATIONS_PORT", "8001")),
        nodes=args.nodes,
        metrics=int(os.environ.get("METRICS_BASE_PORT", "9100")),
    )
    prometheus_port = int(os.environ.get("PROMETHEUS_PORT", "9090"))
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    env.setdefault("PYTHONUNBUFFERED", "1")
    env.setdefault("EVENT_API_PUBLIC_URL", f"http://127.0.0.1:{ports.event_api}")
    env.setdefault(
        "CORS_ALLOWED_ORIGINS",
        ",".join(f"http://{host}:{port}" for port in ports.notification_ports() for host in ("127.0.0.1", "localhost")),
    )
    port = int(os.environ.get("EMBEDDED_MONGODB_PORT", "27017"))
    cluster = LocalCluster.from_env() if args.broker_cluster else None
    started_cluster = False
    if cluster is not None:
        print(f"[cluster] starting the local RabbitMQ cluster ({', '.join(node.name for node in cluster.nodes)})", flush=True)
        started_cluster = cluster.start()
        env["AMQP_URLS"] = ",".join(cluster.urls)
        env.pop("CHANNEL_LAYER_AMQP_URL", None)  # the cluster's nodes for the layer too
        env.pop("CHANNEL_LAYER_AMQP_URLS", None)
    try:
        return _run(env, ports, prometheus_port, port, cluster)
    finally:
        if started_cluster:
            print("[cluster] stopping the local RabbitMQ cluster", flush=True)
            cluster.stop()


def _run(env: dict, ports: Ports, prometheus_port: int, port: int, cluster: LocalCluster | None) -> int:
    ensure_rabbitmq(cluster.urls if cluster else None)
    ensure_redis()
    with mongodb(data_dir=data_dir(), port=port) as uri:
        env["MONGODB_URI"] = uri
        for command, cwd in migrate_commands():
            subprocess.run(command, cwd=cwd, env=env, check=True)
        metrics_dir = Path(os.environ.get("METRICS_DIR", REPO_ROOT / "var" / "metrics"))
        specs = process_specs(ports, metrics_dir=metrics_dir)
        empty_metrics_dirs(metrics_dir, specs)
        prometheus_dir = Path(os.environ.get("PROMETHEUS_DIR", REPO_ROOT / "var" / "prometheus"))
        prometheus = prometheus_spec(ports, prometheus_dir, prometheus_port, env.get("METRICS_TOKEN", ""))
        manager = RestartingManager()
        for spec in [*specs, *([prometheus] if prometheus else [])]:
            manager.add_process(spec.name, spec.shell_command, env={**env, **spec.env}, cwd=str(spec.cwd))
        print(banner(ports, prometheus_port if prometheus else None, cluster), flush=True)
        manager.loop()
        return manager.returncode or 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
