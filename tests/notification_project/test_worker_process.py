"""The worker as a real process: `manage.py consume_events` drains the queue and stops cleanly on SIGTERM."""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from bson import ObjectId
from django.conf import settings
from eventhub_common.topology import Topology

from .helpers import Broker, Person, event_message

pytestmark = pytest.mark.django_db(transaction=True)

PROJECT = Path(__file__).resolve().parents[2] / "notification_project"


def test_sigterm_finishes_in_flight_work_and_exits_cleanly():
    from notifications.models import Notification

    topology = Topology(namespace=f"{os.environ.get('BROKER_NAMESPACE', 'eventhub-test')}-proc-{uuid.uuid4().hex[:8]}", delivery_limit=3)
    broker = Broker(topology)
    ann = Person("ann")
    messages = [broker.publish(event_message("event.created", str(ObjectId()), ann, title=f"p{n}")) for n in range(3)]
    env = {
        **os.environ,
        "BROKER_NAMESPACE": topology.namespace,
        "BROKER_DELIVERY_LIMIT": "3",
        "NOTIFICATION_DB_NAME": settings.DATABASES["default"]["NAME"],
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
    }
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "consume_events"], cwd=PROJECT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        deadline = time.monotonic() + 30
        while Notification.objects.filter(message_id__in=[m["message_id"] for m in messages]).count() < 3:
            assert time.monotonic() < deadline, "the worker did not store the messages"
            time.sleep(0.1)
        worker.send_signal(signal.SIGTERM)
        output, _ = worker.communicate(timeout=20)
    finally:
        if worker.poll() is None:
            worker.kill()
        broker.close()
    assert worker.returncode == 0, output
    assert "worker stopped: 3 processed, 0 dead-lettered" in output
    assert "Traceback" not in output
