"""A stalled MongoDB costs a WebSocket a bounded time (DATABASE_REQUEST_TIMEOUT_SECONDS), like a request.

Before, a socket's database calls had no deadline: while the database was stopped (SIGSTOP) they waited
until it answered again, holding the one thread Channels runs every socket's database work in.
"""

import os
import time

import pytest
from manage_scripts.embedded_mongo import server_process, stalled

from .helpers import Person, connect, next_frame, open_socket

pytestmark = pytest.mark.django_db(transaction=True)

DEADLINE = 0.5


@pytest.fixture
def stoppable_server(settings):
    server = server_process(os.environ["MONGODB_URI"])
    if server is None:
        pytest.skip("MONGODB_URI is not the test command's embedded server")
    settings.DATABASE_REQUEST_TIMEOUT_SECONDS = DEADLINE
    return server


async def test_a_connect_while_the_database_stalls_is_closed_with_1013_within_the_deadline(stoppable_server):
    person = Person("stalled")
    with stalled(stoppable_server):
        started = time.monotonic()
        socket, connected, _ = await open_socket(f"/ws/notifications/?token={person.token}")
        assert connected  # accepted only so that the close code reaches the client
        assert await socket.receive_output(timeout=10) == {"type": "websocket.close", "code": 1013}
        took = time.monotonic() - started
        # a second connect is not held behind the first: each costs one deadline, not the stall
        again, connected, _ = await open_socket(f"/ws/notifications/?token={person.token}")
        assert connected
        assert await again.receive_output(timeout=10) == {"type": "websocket.close", "code": 1013}
        both = time.monotonic() - started
    assert took < DEADLINE + 2, f"the connect took {took:.2f} s"
    assert both < 2 * DEADLINE + 3, f"two connects took {both:.2f} s"
    socket = await connect(person)  # the database is back: connects are set up again (the first frame: counts)
    await socket.disconnect()


async def test_a_subscribe_while_the_database_stalls_gets_an_error_frame_and_the_socket_stays_open(stoppable_server):
    socket = await connect(Person("subscriber"))
    with stalled(stoppable_server):
        await socket.send_json_to({"action": "subscribe", "event_id": "0123456789abcdef01234567"})
        error = await next_frame(socket, timeout=DEADLINE + 5)
        assert error["type"] == "error" and error["code"] == "database_unavailable", error
        await socket.send_json_to({"action": "ping"})
        assert await next_frame(socket) == {"type": "pong"}
    await socket.send_json_to({"action": "subscribe", "event_id": "0123456789abcdef01234567"})
    assert (await next_frame(socket))["code"] == "unknown_event"  # answered from the database again
    await socket.disconnect()
