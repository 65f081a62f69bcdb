"""The deployment's broker users (manage_scripts/broker_definitions.py), loaded into the real local RabbitMQ
with `rabbitmqctl import_definitions` as the compose broker loads them at boot: each role can do its own
work and is refused the rest."""

import json
import os
import shutil
import subprocess
import tempfile
import uuid

import pika
import pytest

from eventhub_common.topology import Topology, amqp_url_from_env, declare_topology
from manage_scripts.broker_definitions import definitions

pytestmark = pytest.mark.skipif(not shutil.which("rabbitmqctl"), reason="needs rabbitmqctl beside the local RabbitMQ")
ROLES = ("relay", "consumer", "layer", "admin")


def rabbitmqctl(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["rabbitmqctl", "-q", *args], capture_output=True, text=True, timeout=60)


@pytest.fixture
def role_users():
    suffix = uuid.uuid4().hex[:8]
    namespace = f"eventhub-users-{suffix}"
    users = {role: f"eventhub-test-{suffix}-{role}" for role in ROLES}
    passwords = {role: uuid.uuid4().hex for role in ROLES}
    # Debian's rabbitmqctl runs as the rabbitmq user, which cannot read pytest's private tmp_path.
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as file:
        file.write(json.dumps(definitions(users, passwords, namespace, f"{namespace}.groups")))
    os.chmod(file.name, 0o644)
    imported = rabbitmqctl("import_definitions", file.name)
    os.unlink(file.name)
    assert imported.returncode == 0, imported.stdout + imported.stderr
    topology = Topology(namespace=namespace, delivery_limit=5)
    try:
        yield topology, {role: (users[role], passwords[role]) for role in ROLES}
    finally:
        for user in users.values():
            rabbitmqctl("delete_user", user)
        admin = pika.BlockingConnection(pika.URLParameters(amqp_url_from_env()))
        channel = admin.channel()
        for name in (topology.notification_queue, topology.dead_letter_queue):
            channel.queue_delete(name)
        for name in (topology.exchange, topology.dead_letter_exchange, f"{namespace}.groups"):
            channel.exchange_delete(name)
        admin.close()


def channel_as(credentials: tuple[str, str]):
    user, password = credentials
    parameters = pika.ConnectionParameters("127.0.0.1", 5672, "/", pika.PlainCredentials(user, password))
    return pika.BlockingConnection(parameters).channel()


def refused(operation) -> bool:
    try:
        operation()
    except pika.exceptions.ChannelClosedByBroker as closed:
        return closed.reply_code == 403
    return False


def test_each_role_does_its_own_work_and_nothing_else(role_users):
    topology, credentials = role_users
    relay = channel_as(credentials["relay"])
    declare_topology(relay, topology)  # the relay declares the topology at every connection
    relay.confirm_delivery()
    relay.basic_publish(topology.exchange, "event.created", b"{}")
    assert refused(lambda: relay.basic_get(topology.dead_letter_queue))  # it cannot read the dead letters

    consumer = channel_as(credentials["consumer"])
    declare_topology(consumer, topology)
    method, _, body = consumer.basic_get(topology.notification_queue, auto_ack=True)
    assert method is not None and body == b"{}"
    consumer.basic_publish(topology.dead_letter_exchange, "", b"dead")  # it dead-letters

    layer = channel_as(credentials["layer"])
    layer.confirm_delivery()
    layer.exchange_declare(f"{topology.namespace}.groups", exchange_type="direct")
    layer.queue_declare("channels_users_test", exclusive=True)
    layer.queue_bind("channels_users_test", f"{topology.namespace}.groups", routing_key="user.1")
    assert refused(lambda: layer.basic_publish(topology.exchange, "event.created", b"forged"))
    assert refused(lambda: channel_as(credentials["layer"]).basic_get(topology.notification_queue))
    for channel in (relay, consumer, layer):
        channel.connection.close()

    # The passwords were stored as hashes (the broker checked them above); a wrong one is refused.
    with pytest.raises(pika.exceptions.ProbableAuthenticationError):
        channel_as((credentials["relay"][0], "wrong password"))
