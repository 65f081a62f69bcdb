"""One running system (real processes on free ports) shared by the system tests of a run."""

import pytest

from .harness import RunningSystem


@pytest.fixture(scope="session")
def system(tmp_path_factory):
    # Every test logs in and registers from 127.0.0.1; the limits themselves are tested in the event service's
    # suite and, across nodes, in test_multi_node.py.
    running = RunningSystem(tmp_path_factory.mktemp("system-logs"), LOGIN_RATE_LIMIT="1000/m", REGISTRATION_RATE_LIMIT="1000/h")
    try:
        running.start_all()
        yield running
    finally:
        running.stop_all()
