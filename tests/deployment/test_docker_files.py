"""What can be checked of the container set-up without a Docker engine (none runs on dev and CI machines).

The compose file validates against the Compose specification's JSON Schema; every file a Dockerfile
copies exists; every entrypoint is strict bash that ends in `exec`; and compose starts exactly the
processes the run command supervises.
"""

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from manage_scripts.system import Ports, process_specs

ROOT = Path(__file__).resolve().parents[2]
DOCKER = ROOT / "docker"
COMPOSE = yaml.safe_load((DOCKER / "compose.yaml").read_text())


def test_compose_file_validates_against_the_compose_specification():
    check = Path(sys.executable).with_name("check-jsonschema")
    result = subprocess.run(
        [str(check), "--builtin-schema", "vendor.compose-spec", str(DOCKER / "compose.yaml")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_file_the_dockerfile_copies_exists():
    dockerfile = (DOCKER / "Dockerfile").read_text()
    sources = []
    for line in dockerfile.splitlines():
        if line.startswith("COPY") and "--from=" not in line:
            parts = [part for part in line.split()[1:] if not part.startswith("--")]
            sources += parts[:-1]
    assert sources
    for source in sources:
        assert (ROOT / source).exists(), source


def test_runtime_image_runs_as_a_non_root_user_with_a_healthcheck():
    dockerfile = (DOCKER / "Dockerfile").read_text()
    runtime = dockerfile.split("AS runtime", 1)[1]
    assert re.search(r"^USER app$", runtime, re.MULTILINE)
    assert "HEALTHCHECK" in runtime
    assert dockerfile.count("FROM python:3.11-slim") == 2


def test_entrypoints_are_strict_and_end_in_exec():
    for script in (DOCKER / "bin").iterdir():
        lines = [line for line in script.read_text().splitlines() if line and not line.startswith("#")]
        assert "set -o errexit -o nounset -o pipefail" in lines, script.name
        assert lines[-1].startswith("exec "), script.name
        assert script.stat().st_mode & 0o111, f"{script.name} is not executable"


def test_compose_starts_the_same_processes_as_the_run_command():
    run_command_processes = {spec.name for spec in process_specs(Ports())}
    compose_processes = set()
    for name, service in COMPOSE["services"].items():
        entrypoint = service.get("entrypoint")
        if not entrypoint or not entrypoint[0].startswith("/app/docker/bin/"):
            continue  # an image's own program, or a one-shot set-up step
        script = ROOT / entrypoint[0].removeprefix("/app/")
        assert script.exists(), f"{name}: {entrypoint}"
        process = re.search(r"exec python -m manage_scripts.serve (\S+)", script.read_text()).group(1)
        compose_processes.add(process)
    assert compose_processes - {"migrate"} == run_command_processes


def test_mongodb_runs_as_a_replica_set_so_transactions_work():
    mongo = COMPOSE["services"]["mongo"]
    assert "--replSet" in " ".join(mongo["command"])
    assert "rs.initiate" in " ".join(mongo["healthcheck"]["test"])
    assert "replicaSet=rs0" in COMPOSE["x-app"]["environment"]["MONGODB_URI"]


def test_app_services_wait_for_healthy_dependencies():
    for name in ("event-api", "outbox-relay", "notifications", "consumer"):
        depends = COMPOSE["services"][name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully"


def test_every_long_running_service_restarts_and_has_a_healthcheck():
    for name in ("event-api", "outbox-relay", "notifications", "consumer"):
        service = {**COMPOSE["x-app"], **COMPOSE["services"][name]}
        assert service["restart"] == "unless-stopped", name
        assert not service.get("healthcheck", {}).get("disable"), name
    for name in ("outbox-relay", "consumer"):
        test = COMPOSE["services"][name]["healthcheck"]["test"]
        assert test[:4] == ["CMD", "python", "-m", "eventhub_common.heartbeat"], name
        script = (ROOT / COMPOSE["services"][name]["entrypoint"][0].removeprefix("/app/")).read_text()
        assert f'HEARTBEAT_FILE="${{HEARTBEAT_FILE:-{test[4]}}}"' in script, name


def interpolated_variables(text: str) -> dict[str, str]:
    """Variable -> how compose interpolates it (`:?` required, `:-` defaulted, `` plain)."""
    return {match[0]: match[1] for match in re.findall(r"\$\{([A-Z_]+)(:\?|:-)?[^}]*\}", text)}


def test_no_secret_has_a_default_and_the_example_sets_every_one():
    text = (DOCKER / "compose.yaml").read_text()
    variables = interpolated_variables(text)
    secrets = {name for name in variables if name.endswith(("PASSWORD", "_KEY"))}
    secrets |= {name for name in variables if name.endswith("_TOKEN")}
    assert secrets >= {"MONGO_ROOT_PASSWORD", "MONGO_APP_PASSWORD", "REDIS_PASSWORD", "RABBITMQ_RELAY_PASSWORD",
                       "RABBITMQ_CONSUMER_PASSWORD", "RABBITMQ_LAYER_PASSWORD", "RABBITMQ_ADMIN_PASSWORD",
                       "METRICS_TOKEN", "GRAFANA_ADMIN_PASSWORD"}
    assert all(variables[name] == ":?" for name in secrets), {name: variables[name] for name in secrets}
    example = dict(line.split("=", 1) for line in (DOCKER / "env.example").read_text().splitlines() if "=" in line and not line.startswith("#"))
    for name in secrets | {"DJANGO_SECRET_KEY", "JWT_SIGNING_KEY"}:
        assert example[name].split()[0] == "change-me", name  # refused by production settings until replaced


def test_only_the_two_http_ports_are_published():
    published = {name: service["ports"] for name, service in COMPOSE["services"].items() if service.get("ports")}
    public = {name: ports for name, ports in published.items() if not all(port.startswith("127.0.0.1:") for port in ports)}
    assert public == {"event-api": ["8000:8000"], "notifications": ["8001:8001"]}  # no management UI, no Prometheus
    assert published["grafana"] == ["127.0.0.1:3000:3000"]  # the dashboard, on the host's loopback only


def test_compose_prometheus_scrapes_every_process_and_promtool_accepts_it(tmp_path):
    import shutil

    config = yaml.safe_load((DOCKER / "prometheus" / "prometheus.yml").read_text())
    targets = {job["job_name"]: job["static_configs"][0]["targets"] for job in config["scrape_configs"]}
    assert targets == {"event-api": ["event-api:8000"], "notifications": ["notifications:8001"],
                       "outbox-relay": ["outbox-relay:9100"], "consumer": ["consumer:9100"]}
    for name in ("outbox-relay", "consumer"):
        assert COMPOSE["services"][name]["environment"]["METRICS_PORT"] == "9100"
    script = " ".join(COMPOSE["services"]["prometheus"]["command"])
    assert '> /prometheus/metrics-token' in script  # where the HTTP jobs read their bearer token
    if shutil.which("promtool") is None:
        pytest.skip("promtool is not installed (make prometheus)")
    token = tmp_path / "metrics-token"
    token.write_text("t")
    checked = tmp_path / "prometheus.yml"
    checked.write_text((DOCKER / "prometheus" / "prometheus.yml").read_text().replace("/prometheus/metrics-token", str(token)))
    result = subprocess.run(["promtool", "check", "config", str(checked)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_grafana_dashboard_charts_only_metrics_the_processes_export():
    import json

    from eventhub_common import metrics

    exported = {
        name
        for collector in vars(metrics).values() if hasattr(collector, "_name") and hasattr(collector, "_type")
        for name in [collector._name + ("_total" if collector._type == "counter" else "")]
    }
    dashboard = json.loads((DOCKER / "grafana" / "dashboards" / "eventhub.json").read_text())
    datasource = yaml.safe_load((DOCKER / "grafana" / "provisioning" / "datasources" / "prometheus.yml").read_text())["datasources"][0]
    charted = set()
    for panel in dashboard["panels"]:
        assert panel["datasource"]["uid"] == datasource["uid"], panel["title"]
        for target in panel["targets"]:
            for name in re.findall(r"eventhub_[a-z_]+", target["expr"]):
                charted.add(re.sub(r"_(bucket|sum|count)$", "", name))
    assert charted <= exported, charted - exported
    assert {"eventhub_notification_delivery_seconds", "eventhub_outbox_backlog", "eventhub_consumer_messages_total"} <= charted


def test_each_process_connects_to_the_broker_as_its_own_role():
    def user_of(url: str) -> str:
        return url.split("//", 1)[1].split(":", 1)[0]

    app = COMPOSE["x-app"]["environment"]
    environment = {name: {**app, **COMPOSE["services"][name].get("environment", {})} for name in ("outbox-relay", "consumer", "notifications")}
    assert user_of(environment["outbox-relay"]["AMQP_URL"]) == "eventhub-relay"
    assert user_of(environment["consumer"]["AMQP_URL"]) == "eventhub-consumer"
    assert user_of(environment["consumer"]["CHANNEL_LAYER_AMQP_URL"]) == "eventhub-layer"
    assert user_of(environment["notifications"]["CHANNEL_LAYER_AMQP_URL"]) == "eventhub-layer"
    assert user_of(environment["notifications"]["AMQP_URL"]) == "eventhub-layer"  # readiness only
    rabbitmq = COMPOSE["services"]["rabbitmq"]
    assert rabbitmq["depends_on"]["broker-definitions"]["condition"] == "service_completed_successfully"
    conf = (DOCKER / "rabbitmq" / "rabbitmq.conf").read_text()
    assert "load_definitions = /etc/rabbitmq/definitions/definitions.json" in conf
    assert any(volume.startswith("rabbitmq-definitions:/etc/rabbitmq/definitions") for volume in rabbitmq["volumes"])


def test_redis_has_a_password_and_a_memory_cap_that_never_evicts():
    command = COMPOSE["services"]["redis"]["command"]
    assert command[command.index("--requirepass") + 1].startswith("${REDIS_PASSWORD:?")
    assert command[command.index("--maxmemory-policy") + 1] == "noeviction"
    assert "--maxmemory" in command
    assert COMPOSE["x-app"]["environment"]["REDIS_URL"].startswith("redis://:${REDIS_PASSWORD:?")


def test_mongodb_requires_authentication():
    mongo = COMPOSE["services"]["mongo"]
    script = " ".join(mongo["command"])
    assert "--keyFile /keys/replica-set.key" in script and "--replSet rs0" in script
    assert {"MONGO_INITDB_ROOT_USERNAME", "MONGO_INITDB_ROOT_PASSWORD"} <= set(mongo["environment"])
    assert "createUser" in (DOCKER / "mongo" / "create-app-user.js").read_text()
    uri = COMPOSE["x-app"]["environment"]["MONGODB_URI"]
    assert uri.startswith("mongodb://${MONGO_APP_USER:?") and "authSource=admin" in uri
