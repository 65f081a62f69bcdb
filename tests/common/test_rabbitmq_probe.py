"""The RabbitMQ probe behind the readiness checks and the run command, against the real broker."""

import socket

from eventhub_common.topology import amqp_url_from_env, rabbitmq_problem


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens once the socket is closed


def test_a_running_broker_has_no_problem():
    assert rabbitmq_problem(amqp_url_from_env()) is None


def test_an_unreachable_broker_is_named_not_raised():
    assert rabbitmq_problem(f"amqp://guest:guest@127.0.0.1:{closed_port()}/%2F") == "AMQPConnectionError"


def test_wrong_credentials_are_a_problem_too():
    assert rabbitmq_problem("amqp://nobody:wrong@127.0.0.1:5672/%2F") is not None
