"""Serve any Bolt `App` on loopback in a background thread, for tests against the driver.

Bolt's own `app.start()` blocks the caller and cannot be stopped; this adapter can. It only
turns HTTP into `BoltRequest` and `BoltResponse` back into HTTP; everything else (signature
checks, ack, listeners) is Bolt's. The production server lives with the bot, not here.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from slack_bolt import App, BoltRequest

log = logging.getLogger(__name__)


class _BoltServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], app: App, path: str) -> None:
        super().__init__(address, _BoltHandler)
        self.app = app
        self.events_path = path


class _BoltHandler(BaseHTTPRequestHandler):
    server: _BoltServer

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("bolt http: " + format, *args)

    def do_POST(self) -> None:
        path, _, query = self.path.partition("?")
        if path != self.server.events_path:
            self._reply(404, b"", {})
            return
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode("utf-8")
        headers: dict[str, str | Sequence[str]] = {}
        for name in {n.lower() for n in self.headers.keys()}:
            headers[name] = self.headers.get_all(name) or []
        response = self.server.app.dispatch(BoltRequest(body=body, query=query, headers=headers))
        self._reply(response.status, response.body.encode("utf-8"), response.headers)

    def _reply(self, status: int, data: bytes, headers: dict[str, Any]) -> None:
        self.send_response(status)
        for name, values in headers.items():
            if name.lower() == "content-length":
                continue
            for value in values if isinstance(values, list | tuple) else [values]:
                self.send_header(name, str(value))
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class BoltHTTPServer:
    """`with BoltHTTPServer(app) as bot: SlackDriver(slack, bot.url)`."""

    def __init__(
        self, app: App, *, host: str = "127.0.0.1", port: int = 0, path: str = "/slack/events"
    ) -> None:
        self._server = _BoltServer((host, port), app, path)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}{self._server.events_path}"

    def start(self) -> BoltHTTPServer:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._server.serve_forever, args=(0.05,), name="bolt-http", daemon=True
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> BoltHTTPServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
