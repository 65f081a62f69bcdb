"""The run and test commands' checks of what they need: RabbitMQ and Redis answer, or a clear message."""

import pytest


def test_the_run_command_explains_a_redis_it_cannot_reach_or_start(monkeypatch, capsys):
    from manage_scripts.redis_server import ensure_redis

    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.2:1/0")  # not local: nothing to start
    with pytest.raises(SystemExit) as exited:
        ensure_redis()
    assert "Redis does not answer at redis://127.0.0.2:1/0" in str(exited.value)
    assert "apt-get install redis-server" in str(exited.value)
