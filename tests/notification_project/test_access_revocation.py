"""`user.*` messages: a deactivated or deleted user's tokens are refused (REST 401, handshake refused) and
their open sockets close with 4003; a reactivation restores access; others are untouched."""

import asyncio

import pytest
from channels.db import database_sync_to_async
from django.test import Client
from eventhub_common.messages import build_message

from .helpers import connect, event_message, notifications
from .test_websocket_protocol import refused

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("worker")]

HISTORY = "/api/notifications/"


def user_message(kind: str, person) -> dict:
    return build_message(kind, actor=person.ref, data=person.ref)


async def history_status(person) -> int:
    return await database_sync_to_async(lambda: Client().get(HISTORY, **person.auth).status_code)()


async def closed_with(communicator, timeout: float = 5.0):
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        output = await communicator.receive_output(timeout=deadline - asyncio.get_running_loop().time())
        if output["type"] == "websocket.close":
            return output.get("code")


async def test_a_deactivated_user_is_refused_and_their_sockets_close(broker, people):
    ann, ben, _ = people.values()
    ann_tabs = [await connect(ann), await connect(ann)]
    ben_socket = await connect(ben)
    assert await history_status(ann) == 200

    broker.publish(user_message("user.deactivated", ann))
    for tab in ann_tabs:
        assert await closed_with(tab) == 4003
    assert await history_status(ann) == 401
    assert await refused(f"/ws/notifications/?token={ann.token}")

    # Others keep their access and their pushes.
    broker.publish(event_message("event.created", "6b04e039f97595e733123a9d", ben, title="Still on"))
    (payload,) = await notifications(ben_socket, 1)
    assert payload["event"]["title"] == "Still on"
    assert await history_status(ben) == 200

    broker.publish(user_message("user.reactivated", ann))
    deadline = asyncio.get_running_loop().time() + 5
    while await history_status(ann) != 200:
        assert asyncio.get_running_loop().time() < deadline, "reactivation never applied"
        await asyncio.sleep(0.05)
    await (await connect(ann)).disconnect()
    await ben_socket.disconnect()


async def test_a_deleted_user_stays_refused_even_after_a_late_reactivation(broker, people):
    cat = people["cat"]
    broker.publish(user_message("user.deleted", cat))
    broker.publish(user_message("user.deactivated", cat))  # redelivered or late: still deleted
    broker.publish(user_message("user.reactivated", cat))
    deadline = asyncio.get_running_loop().time() + 5
    while await history_status(cat) != 401:
        assert asyncio.get_running_loop().time() < deadline
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.5)  # the later messages are handled too
    from access.models import RevokedUser

    reason = await database_sync_to_async(lambda: RevokedUser.objects.get(user_id=cat.id).reason)()
    assert reason == "deleted"
    assert await history_status(cat) == 401
