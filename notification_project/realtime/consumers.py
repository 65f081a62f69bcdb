"""The notifications WebSocket: authentication, group membership, recovery, client actions.

Protocol (docs/websocket.md): connect to `/ws/notifications/?token=<access JWT>`
(or offer `bearer` and the token as `Sec-WebSocket-Protocol` values; the answer
selects `bearer`, never the token); without a valid token the handshake is
refused. With `?since=<notification id>` the server first replays, in order,
every notification after that one (at most WEBSOCKET_REPLAY_LIMIT), then streams
live ones; live ones that arrive during the replay are held back and
de-duplicated, so there is no gap and no duplicate. When the token expires the
server closes with code 4001. Client frames are limited in rate and size, and sockets
per user in number (`socket_slots`).

Notifications reach a socket from this process's node receiver (`node.py`), in
number order, so the last one a client received is a complete `since` cursor.
After any replay the socket sends `recovered` (when `since` was given) and the
user's `counts`, and new counts whenever they change: it adds the notifications
it delivers to the counts it last read (sent once the node has pushed its
notifications to every local socket: `send_counts_if_changed`), and reads them again when the user's
read, seen or archived state changes anywhere (`counts.changed`). Broadcasts the
user's preferences hide are not delivered (`preferences.changed` reloads them).

Each database call is bounded like a request (DATABASE_REQUEST_TIMEOUT_SECONDS, `database.in_database`).
When MongoDB does not answer in time, a connect is accepted and closed with 1013 (try again later), a
subscribe or unsubscribe is answered with a `database_unavailable` error frame, and a reload of counts
or preferences keeps what the socket has (logged).
"""

import asyncio
import json
import logging
import time
from collections import OrderedDict, deque
from urllib.parse import parse_qs

from asgiref.sync import sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from eventhub_common.access_tokens import InvalidAccessToken, verify_access_token
from eventhub_common.api_errors import Conflict
from eventhub_common.metrics import NOTIFICATIONS_PUSHED, WEBSOCKETS_OPEN
from eventhub_common.mongo_transactions import is_database_unavailable

from core.exceptions import NotFound
from notifications import inbox, selectors
from notifications.payloads import notification_payload
from preferences.selectors import preference_of
from subscriptions import services as subscriptions

from access.selectors import is_revoked

from . import socket_slots
from .database import in_database
from .groups import user_group
from .node import record_pushed, this_node

logger = logging.getLogger(__name__)

TOKEN_EXPIRED_CLOSE_CODE = 4001
ACCESS_REVOKED_CLOSE_CODE = 4003  # the user was deactivated or deleted (a `user.*` message)
TOO_MANY_SOCKETS_CLOSE_CODE = 4029  # the user already has WEBSOCKET_SOCKETS_PER_USER sockets open
POLICY_VIOLATION_CLOSE_CODE = 1008  # more client frames than the limit allows
TOO_BIG_CLOSE_CODE = 1009  # a client frame over WEBSOCKET_MAX_FRAME_BYTES
TRY_AGAIN_LATER_CLOSE_CODE = 1013  # MongoDB did not answer a connect's reads in time
RECENT_IDS = 5000
BEARER_PROTOCOL = "bearer"  # offered beside a token sent as a subprotocol; the one the answer selects


def token_from_scope(scope) -> tuple[str | None, str | None]:
    """(token, subprotocol to select): from `?token=`, else from a `Sec-WebSocket-Protocol` value. The
    token itself is never selected (the answer would echo it); `bearer` is, when the client offered it."""
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    if query.get("token"):
        return query["token"][0], None
    offered = scope.get("subprotocols", [])
    for protocol in offered:
        if protocol.count(".") == 2:  # a JWT among the offered protocols
            return protocol, BEARER_PROTOCOL if BEARER_PROTOCOL in offered else None
    return None, None


class FrameBudget:
    """A token bucket of client frames: `rate` a second, at most `burst` at once."""

    def __init__(self, rate: float, burst: int):
        self.rate, self.burst = rate, burst
        self.tokens, self.updated = float(burst), time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


class RecentIds:
    """A bounded set of recently delivered notification ids, oldest forgotten first."""

    def __init__(self, size: int = RECENT_IDS):
        self._ids: OrderedDict[str, None] = OrderedDict()
        self._size = size

    def add(self, notification_id: str) -> bool:
        """Remember the id; False if it was already there."""
        if notification_id in self._ids:
            return False
        self._ids[notification_id] = None
        if len(self._ids) > self._size:
            self._ids.popitem(last=False)
        return True


class NotificationConsumer(AsyncWebsocketConsumer):
    replay_batch = 500
    async def connect(self):
        token, subprotocol = token_from_scope(self.scope)
        try:
            claims = verify_access_token(token, settings.JWT_TOKENS)
        except InvalidAccessToken:
            await self.close()  # before accept: the handshake is refused
            return
        self.user_id, self.username = claims.user_id, claims.username
        self.holds_slot = await sync_to_async(socket_slots.claim)(
            self.user_id, self.channel_name, now=time.time(), expires_at=claims.expires_at
        )
        if not self.holds_slot:
            await self.accept(subprotocol)  # accepted only so that the close code reaches the client
            await self.close(code=TOO_MANY_SOCKETS_CLOSE_CODE)
            return
        self.delivered = RecentIds()
        self.replaying = True  # until connect's replay is done: live pushes are held back
        self.held_back: list[dict] = []
        self.joined: set[str] = set()
        self.counts: inbox.Counts | None = None  # as last read; plus `added`, delivered after them
        self.added = 0
        self.counts_due = False  # delivered notifications changed the counts since they were sent
        self.recent_seqs: deque[int] = deque(maxlen=RECENT_IDS)
        self.frames = FrameBudget(settings.WEBSOCKET_FRAMES_PER_SECOND, settings.WEBSOCKET_FRAME_BURST)

        await self._join_accept_and_replay(claims.expires_at, subprotocol)

    async def _join_accept_and_replay(self, expires_at: int, subprotocol: str | None):
        since = parse_qs(self.scope.get("query_string", b"").decode("latin-1")).get("since", [None])[0]
        await self._join(user_group(self.user_id))
        since_seq, self.hidden = await self._connection_state(since)
        await this_node().join(self)  # every notification reaches this process's sockets through it
        # Checked once in the user's group, so a revocation that lands meanwhile closes the socket instead.
        if await in_database(is_revoked)(self.user_id):
            await self.close()
            return
        await self.accept(subprotocol)
        WEBSOCKETS_OPEN.inc()
        self.expiry = asyncio.create_task(self._close_when_expired(expires_at))
        if since is not None and since_seq is None:
            await self._send({"type": "error", "code": "invalid_since", "message": "Unknown notification id in 'since'."})
        complete = await self._replay_then_release(since_seq, limit=settings.WEBSOCKET_REPLAY_LIMIT)
        if since is not None:
            await self._send({"type": "recovered", "complete": since_seq is not None and complete})
        await self.counts_changed()

    async def disconnect(self, code):
        if hasattr(self, "expiry"):  # it was accepted
            self.expiry.cancel()
            WEBSOCKETS_OPEN.dec()
        if getattr(self, "holds_slot", False):
            await sync_to_async(socket_slots.release)(self.user_id, self.channel_name)
        this_node().leave(self)
        for group in getattr(self, "joined", ()):
            await self.channel_layer.group_discard(group, self.channel_name)

    # -- from the channel layer ---------------------------------------------------------------

    async def dispatch(self, message):
        # Channels runs close_old_connections() in a worker thread before every handler. A push
        # touches no database, and that thread hop per message per socket was most of the cost of
        # fanning one notification out to thousands of sockets (docs/performance.md, finding 9).
        if message["type"] == "notification.message":
            await self.notification_message(message)
            return
        try:
            await super().dispatch(message)
        except Exception as exc:
            if not is_database_unavailable(exc):
                raise
            await self._database_did_not_answer(message["type"], exc)

    async def _database_did_not_answer(self, message_type: str, exc: Exception):
        logger.warning("MongoDB did not answer a socket's %s (%s: %s)", message_type, exc.__class__.__name__, exc)
        if message_type == "websocket.connect":
            if not hasattr(self, "expiry"):  # not accepted yet: accepted only so that the close code reaches the client
                await self.accept(token_from_scope(self.scope)[1])
            await self.close(code=TRY_AGAIN_LATER_CLOSE_CODE)
        elif message_type == "websocket.receive":
            await self._error("database_unavailable", "The database did not answer in time; retry shortly.")

    async def notification_message(self, message) -> bool:
        """From the node: push the notification unless this user is not entitled or it is held back; whether
        it was pushed now (the node keeps the push metrics, once per notification)."""
        recipients = message.get("recipients")
        if recipients is not None and self.user_id not in recipients:
            return False  # (the node hands a personal notification to its recipients' sockets only)
        if recipients is None and self.hidden and self._hides(message["seq"], message["payload"]["user"]):
            return False
        if self.replaying:
            self.held_back.append(message)
            return False
        return await self._deliver(message["seq"], message["payload"], live=True, text=message.get("text"))

    async def send_counts_if_changed(self):
        """The counts, when notifications delivered since they were last sent changed them (the node calls
        this once its notifications reached every local socket)."""
        if self.counts_due:
            self.counts_due = False
            await self._send_counts()

    async def access_revoked(self, message):
        await self.close(code=ACCESS_REVOKED_CLOSE_CODE)

    async def counts_changed(self, message=None):
        """Read the counts again (and send them): at connect, and when the user's read, seen or archived
        state changed on any node."""
        self.counts = await in_database(inbox.counts)(self.user_id)
        self.added, self.counts_due = 0, False
        for seq in reversed(self.recent_seqs):  # delivered in number order: the newest are at the end
            if seq <= self.counts.as_of:
                break
            self.added += 1
        await self._send_counts()

    async def preferences_changed(self, message):
        self.hidden = (await in_database(preference_of)(self.user_id)).hidden

    # -- from the client ----------------------------------------------------------------------

    async def receive(self, text_data=None, bytes_data=None):
        size = len(bytes_data) if text_data is None else len(text_data.encode())
        if size > settings.WEBSOCKET_MAX_FRAME_BYTES:
            await self.close(code=TOO_BIG_CLOSE_CODE)
            return
        if not self.frames.take():
            await self.close(code=POLICY_VIOLATION_CLOSE_CODE)
            return
        try:
            request = json.loads(text_data if text_data is not None else bytes_data)
        except (TypeError, ValueError):
            await self._error("invalid_json", "Messages must be JSON objects.")
            return
        if not isinstance(request, dict):
            await self._error("invalid_json", "Messages must be JSON objects.")
            return
        action = request.get("action")
        if action == "ping":
            await self._send({"type": "pong"})
        elif action in ("subscribe", "unsubscribe"):
            await self._change_subscription(action, request.get("event_id"))
        else:
            await self._error("unknown_action", "Known actions: subscribe, unsubscribe, ping.", action=action)

    async def _change_subscription(self, action: str, event_id):
        if not isinstance(event_id, str):
            await self._error("invalid_event_id", "'event_id' must be an event id string.", action=action)
            return
        try:
            if action == "subscribe":
                _, created = await in_database(subscriptions.subscribe)(self.user_id, event_id)
            else:
                created = await in_database(subscriptions.unsubscribe)(self.user_id, event_id)
        except NotFound as exc:
            await self._error("unknown_event", str(exc.detail), action=action, event_id=event_id)
            return
        except Conflict as exc:
            await self._error("too_many_subscriptions", str(exc.detail), action=action, event_id=event_id)
            return
        await self._send({"type": "ack", "action": action, "event_id": event_id, "changed": created})

    # -- helpers ------------------------------------------------------------------------------

    @in_database
    def _connection_state(self, since) -> tuple[int | None, list[dict]]:
        """(the number of the `since` notification, None when unknown; the broadcasts the user hides)."""
        since_seq = None
        if since is not None:
            notification = selectors.notification_for(self.user_id, since)
            since_seq = notification.seq if notification else None
        return since_seq, preference_of(self.user_id).hidden

    def _hides(self, seq: int, creator: str) -> bool:
        return any(
            seq >= hidden["from"] and (hidden["to"] is None or seq < hidden["to"]) and hidden["creator"] in (None, creator)
            for hidden in self.hidden
        )

    async def _join(self, group: str):
        if group not in self.joined:
            self.joined.add(group)
            await self.channel_layer.group_add(group, self.channel_name)

    async def _replay_then_release(self, seq: int | None, limit: int | None = None) -> bool:
        """Replay after `seq` (nothing when None) while live pushes are held back, then deliver those in
        order; whether the replay was complete."""
        self.replaying = True
        try:
            return seq is None or await self._replay_after(seq, limit)
        finally:
            self.replaying = False
            held, self.held_back = sorted(self.held_back, key=lambda m: m["seq"]), []
            for message in held:
                if await self._deliver(message["seq"], message["payload"], live=True):
                    record_pushed(message["payload"], 1)

    async def _replay_after(self, seq: int, limit: int | None = None) -> bool:
        """Send every notification of this user numbered above `seq`, oldest first, in batches; with `limit`,
        at most that many, then, when more exist, a `replay_truncated` frame naming the last one sent (and
        False: not complete)."""
        sent, last_id = 0, None
        while True:
            notifications = await in_database(selectors.after)(self.user_id, seq, self.replay_batch)
            for notification in notifications:
                if sent == limit:
                    await self._send({"type": "replay_truncated", "replayed": sent, "last_id": last_id})
                    return False
                payload = notification_payload(notification)
                if await self._deliver(notification.seq, payload):
                    NOTIFICATIONS_PUSHED.inc()
                sent, last_id = sent + 1, payload["id"]
            if len(notifications) < self.replay_batch:
                return True
            seq = notifications[-1].seq

    async def _deliver(self, seq: int, payload: dict, live: bool = False, text: str | None = None) -> bool:
        """Send a notification once (`text`: the payload serialized already); whether it was sent. A live one
        (not replayed from history) numbered after the counts last read makes counts due."""
        if not self.delivered.add(payload["id"]):
            return False
        self.recent_seqs.append(seq)
        if text is None:
            await self._send(payload)
        else:
            await self.send(text_data=text)
        if live and self.counts is not None and seq > self.counts.as_of:
            self.added += 1
            self.counts_due = True
        return True

    async def _send_counts(self):
        """The counts last read plus the notifications delivered after them (numbered above their `as_of`)."""
        await self._send({"type": "counts", "unread": self.counts.unread + self.added, "unseen": self.counts.unseen + self.added})

    async def _send(self, message: dict):
        await self.send(text_data=json.dumps(message, separators=(",", ":")))

    async def _error(self, code: str, message: str, **extra):
        await self._send({"type": "error", "code": code, "message": message, **extra})

    async def _close_when_expired(self, expires_at: int):
        await asyncio.sleep(max(0.0, expires_at - time.time()))
        await self.close(code=TOKEN_EXPIRED_CLOSE_CODE)
