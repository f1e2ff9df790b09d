"""Socket Mode as Slack speaks it: a WebSocket endpoint the app dials out to.

    url = server.mint_url()           # what apps.connections.open answers, one ticket per call
    ack = server.deliver("slash_commands", fields, accepts_response_payload=True)

On connect the server says `hello`; every delivery is an envelope
`{envelope_id, type, payload, accepts_response_payload, retry_attempt, retry_reason}` and the app
answers `{envelope_id, payload?}`. `refresh()` sends `disconnect` (`warning` or
`refresh_requested`) and closes the link after a grace period, as Slack does, so the client
reconnects through apps.connections.open. An envelope whose link goes away unacknowledged is
delivered again on another link with `retry_attempt` raised: nothing is lost in a reconnect.
Pings are answered by the websockets library.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.sync.server import Server, ServerConnection, serve

from bot.devtools.slack_emulator.errors import DriverError

log = logging.getLogger(__name__)

EnvelopeType = Literal["slash_commands", "interactive", "events_api"]
DisconnectReason = Literal["warning", "refresh_requested", "link_disabled"]

# After a link closes with an envelope unacknowledged, the ack may still come over the new link
# (slack_sdk answers on its current connection); Slack waits about this long before retrying.
ACK_GRACE = 3.0
# Slack keeps a link open for a while after `disconnect` so answers in flight still arrive.
DISCONNECT_GRACE = 5.0
# A ticket from apps.connections.open is good for one connection, soon.
TICKET_TTL = 60.0
MESSAGES_KEPT = 10_000


class SocketModeTimeout(DriverError, TimeoutError):
    """No connected app acknowledged an envelope in time (Slack would say `dispatch_failed`)."""


@dataclass
class Link:
    """One WebSocket connection of the app."""

    id: int
    connection: ServerConnection
    draining: bool = False  # told to disconnect: no new envelopes go here


@dataclass
class _Pending:
    envelope_id: str
    link: Link
    done: threading.Event = field(default_factory=threading.Event)
    ack: dict[str, Any] | None = None
    lost_at: float | None = None  # when its link closed without an ack


@dataclass(frozen=True)
class Ack:
    envelope: dict[str, Any]
    payload: dict[str, Any] | None


class SocketModeServer:
    def __init__(self, app_id: str, *, host: str = "127.0.0.1") -> None:
        self.app_id = app_id
        self._host = host
        self._lock = threading.Condition()
        self._tickets: dict[str, float] = {}
        self._links: list[Link] = []
        self._pending: dict[str, _Pending] = {}
        self._link_ids = 0
        self._server: Server | None = None
        self._thread: threading.Thread | None = None
        # What went over the wire, for tests: every hello, envelope, ack and disconnect (the last
        # ones only, so a sandbox left running for days does not grow without end).
        self.sent: deque[dict[str, Any]] = deque(maxlen=MESSAGES_KEPT)
        self.received: deque[dict[str, Any]] = deque(maxlen=MESSAGES_KEPT)

    # -- lifecycle ------------------------------------------------------------------------------

    def start(self) -> SocketModeServer:
        if self._server is None:
            self._server = serve(self._session, self._host, 0, process_request=self._check_ticket)
            self._thread = threading.Thread(
                target=self._server.serve_forever, name="slack-socket-mode", daemon=True
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise DriverError("the Socket Mode endpoint is not running")
        host, port = self._server.socket.getsockname()[:2]
        return f"ws://{host}:{port}/link/"

    def mint_url(self) -> str:
        """A one-time connection URL, as apps.connections.open returns it."""
        ticket = secrets.token_hex(16)
        with self._lock:
            self._tickets[ticket] = time.monotonic()
        return f"{self.url}?ticket={ticket}&app_id={self.app_id}"

    # -- what is connected ----------------------------------------------------------------------

    @property
    def connections(self) -> int:
        with self._lock:
            return sum(1 for link in self._links if not link.draining)

    @property
    def connects(self) -> int:
        """How many connections were ever accepted (each got a hello)."""
        return sum(1 for m in self.sent if m.get("type") == "hello")

    def wait_connected(self, count: int = 1, timeout: float = 10.0) -> None:
        """Until `count` links are open and not draining (e.g. after a refresh)."""
        with self._lock:
            if not self._lock.wait_for(lambda: self.connections >= count, timeout):
                raise SocketModeTimeout(f"no Socket Mode connection within {timeout} s")

    def refresh(
        self, reason: DisconnectReason = "refresh_requested", grace: float = DISCONNECT_GRACE
    ) -> None:
        """Ask every open link to go away; each is closed `grace` seconds later if still open."""
        with self._lock:
            links = [link for link in self._links if not link.draining]
            for link in links:
                link.draining = True
        for link in links:
            self._send(link, {"type": "disconnect", "reason": reason, "debug_info": self._debug_info()})
            timer = threading.Timer(grace, link.connection.close)
            timer.daemon = True
            timer.start()

    # -- deliveries -----------------------------------------------------------------------------

    def deliver(
        self,
        kind: EnvelopeType,
        payload: dict[str, Any],
        *,
        accepts_response_payload: bool,
        retry_attempt: int = 0,
        retry_reason: str = "",
        timeout: float = 10.0,
    ) -> Ack:
        """Send one envelope and wait for its ack; redelivered on another link if its own closes."""
        deadline = time.monotonic() + timeout
        while True:
            link = self._live_link(deadline)
            envelope_id = str(uuid.uuid4())
            envelope: dict[str, Any] = {
                "envelope_id": envelope_id,
                "type": kind,
                "payload": payload,
                "accepts_response_payload": accepts_response_payload,
                "retry_attempt": retry_attempt,
                "retry_reason": retry_reason,
            }
            pending = _Pending(envelope_id, link)
            with self._lock:
                self._pending[pending.envelope_id] = pending
            try:
                self._send(link, envelope)
                acked = self._await_ack(pending, deadline)
            finally:
                with self._lock:
                    self._pending.pop(pending.envelope_id, None)
            if acked is not None:
                return Ack(envelope, acked.get("payload") if isinstance(acked.get("payload"), dict) else None)
            if time.monotonic() >= deadline:
                raise SocketModeTimeout(f"envelope {pending.envelope_id} ({kind}) was not acknowledged")
            # Its link closed and no ack came over another one: Slack tries again.
            retry_attempt, retry_reason = retry_attempt + 1, "timeout"

    def _live_link(self, deadline: float) -> Link:
        with self._lock:
            ready = self._lock.wait_for(
                lambda: any(not link.draining for link in self._links), max(0.0, deadline - time.monotonic())
            )
            if not ready:
                raise SocketModeTimeout("the app has no Socket Mode connection open")
            # The newest link: after a refresh the client moves its traffic there.
            return next(link for link in reversed(self._links) if not link.draining)

    def _await_ack(self, pending: _Pending, deadline: float) -> dict[str, Any] | None:
        while True:
            now = time.monotonic()
            limit = deadline
            if pending.lost_at is not None:
                limit = min(deadline, pending.lost_at + ACK_GRACE)
            if pending.done.wait(max(0.0, min(limit - now, 0.1))):
                return pending.ack
            if time.monotonic() >= limit:
                return None

    # -- one connection -------------------------------------------------------------------------

    def _check_ticket(self, connection: ServerConnection, request: Request) -> Response | None:
        parts = urlsplit(request.path)
        ticket = (parse_qs(parts.query).get("ticket") or [""])[0]
        with self._lock:
            issued = self._tickets.pop(ticket, None)
        if parts.path != "/link/" or issued is None or time.monotonic() - issued > TICKET_TTL:
            return connection.respond(HTTPStatus.UNAUTHORIZED, "invalid or used ticket\n")
        return None

    def _session(self, connection: ServerConnection) -> None:
        with self._lock:
            self._link_ids += 1
            link = Link(self._link_ids, connection)
            count = len(self._links) + 1
        try:
            # hello goes first: the link takes envelopes only once it is registered, after it.
            self._send(
                link,
                {
                    "type": "hello",
                    "num_connections": count,
                    "debug_info": self._debug_info() | {"approximate_connection_time": 18060},
                    "connection_info": {"app_id": self.app_id},
                },
            )
            with self._lock:
                self._links.append(link)
                self._lock.notify_all()
            for raw in connection:
                self._receive(raw)
        except ConnectionClosed:
            pass
        finally:
            self._forget(link)

    def _receive(self, raw: str | bytes) -> None:
        try:
            message = json.loads(raw)
        except ValueError:
            log.warning("socket mode: a frame that is not JSON (%d bytes)", len(raw))
            return
        if not isinstance(message, dict) or not isinstance(message.get("envelope_id"), str):
            log.warning("socket mode: a frame without an envelope_id")
            return
        with self._lock:
            self.received.append(message)
            pending = self._pending.get(message["envelope_id"])
        if pending is not None:
            pending.ack = message
            pending.done.set()

    def _forget(self, link: Link) -> None:
        with self._lock:
            if link in self._links:
                self._links.remove(link)
            now = time.monotonic()
            for pending in self._pending.values():
                if pending.link is link and pending.lost_at is None:
                    pending.lost_at = now
            self._lock.notify_all()

    def _send(self, link: Link, message: dict[str, Any]) -> None:
        with self._lock:
            self.sent.append(message)
        try:
            link.connection.send(json.dumps(message))
        except ConnectionClosed:
            self._forget(link)

    def _debug_info(self) -> dict[str, Any]:
        return {"host": "applink-emulator", "build_number": 1}
