"""One running system (real processes on free ports) shared by the system tests of a run."""

import pytest

from .harness import RunningSystem


@pytest.fixture(scope="session")
def system(tmp_path_factory):
    running = RunningSystem(tmp_path_factory.mktemp("system-logs"))
    try:
        running.start_all()
        yield running
    finally:
        running.stop_all()
