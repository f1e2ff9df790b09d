"""The bot's HTTP server: Bolt on `POST /slack/events` behind the front door, Prometheus on
`GET /metrics`, `GET /healthz` (alive) and `GET /readyz` (able to work).

waitress, not the standard library's `wsgiref`: its listen backlog was 5 (bursts of slash commands
were refused) and it held a thread per connection forever (3,000 half-open connections, 3,009
threads). waitress reads every connection on one event loop, runs requests on a fixed pool of
threads and closes idle connections. One multi-threaded process suits the bot: the scheduler and
the workflow's workers live in it too, and pre-forked workers (gunicorn) would duplicate them.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry, make_wsgi_app
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from waitress import wasyncore
from waitress.adjustments import Adjustments
from waitress.channel import HTTPChannel
from waitress.server import TcpWSGIServer
from waitress.task import ErrorTask, ThreadedTaskDispatcher

from bot.config import ServerSettings
from bot.front_door import FrontDoor
from bot.readiness import Readiness, readiness_for

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIEnvironment

    from bot.app import PlatformBot

log = logging.getLogger(__name__)

WsgiApp = Callable[["WSGIEnvironment", "StartResponse"], Iterable[bytes]]


def build_wsgi_app(
    bolt_app: App,
    registry: CollectorRegistry,
    *,
    signing_secret: str,
    settings: ServerSettings | None = None,
    readiness: Readiness | None = None,
) -> WsgiApp:
    settings = settings or ServerSettings()
    slack = FrontDoor(
        SlackRequestHandler(bolt_app, path="/slack/events"),
        signing_secret,
        max_body_bytes=settings.max_request_body_size,
    )
    metrics = make_wsgi_app(registry)

    def route(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "")
        if path == "/slack/events" and method == "POST":
            return slack(environ, start_response)
        if path == "/metrics":
            return metrics(environ, start_response)
        if path == "/healthz":
            return _plain(start_response, "200 OK", b"ok\n")
        if path == "/readyz":
            return _ready(readiness, start_response)
        if path == "/slack/events":
            return _plain(start_response, "405 Method Not Allowed", b"POST only\n")
        return _plain(start_response, "404 Not Found", b"not found\n")

    if settings.keep_alive:
        return route

    def closing(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            return start_response(status, [*headers, ("Connection", "close")], exc_info)

        return route(environ, start)

    return closing


def wsgi_app_for(bot: PlatformBot) -> WsgiApp:
    """The bot's routes, with its signing secret, body limit and readiness checks."""
    secret = bot.settings.slack_signing_secret
    assert secret is not None, "create_app requires SLACK_SIGNING_SECRET"
    return build_wsgi_app(
        bot.bolt,
        bot.registry,
        signing_secret=secret.get_secret_value(),
        settings=bot.config.server,
        readiness=readiness_for(bot.store, bot.runner.settings.resolved_pulumi_bin_dir),
    )


def _plain(start_response: StartResponse, status: str, body: bytes) -> Iterable[bytes]:
    start_response(status, [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


def _ready(readiness: Readiness | None, start_response: StartResponse) -> Iterable[bytes]:
    ready, checks = (True, {}) if readiness is None else readiness.run()
    failed = sorted(name for name, value in checks.items() if value != "ok")
    body = json.dumps({"ready": ready, "failed": failed, "checks": checks}).encode()
    status = "200 OK" if ready else "503 Service Unavailable"
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


class _LoggedErrorTask(ErrorTask):
    """waitress answers what it refuses itself (413 by Content-Length before reading the body, or
    once a chunked body passes the limit; 400 for broken HTTP): one log line for those too."""

    def execute(self) -> None:
        error = self.request.error
        log.info(
            "refused %s %s with %s: %s (content-length %s, from %s)",
            self.request.command or "?",
            self.request.path or "?",
            error.code,
            error.reason,
            self.request.content_length,
            self.channel.addr[0] if self.channel.addr else "?",
        )
        super().execute()


class _Channel(HTTPChannel):
    error_task_class = _LoggedErrorTask


class HttpServer:
    """Serves a WSGI app with waitress on a background thread; `port=0` picks a free port (tests)."""

    def __init__(
        self,
        app: WsgiApp,
        host: str = "127.0.0.1",
        port: int = 3000,
        settings: ServerSettings | None = None,
    ) -> None:
        self.settings = settings or ServerSettings()
        adjustments = Adjustments(
            host=host,
            port=port,
            threads=self.settings.threads,
            backlog=self.settings.backlog,
            connection_limit=self.settings.connection_limit,
            channel_timeout=self.settings.channel_timeout,
            cleanup_interval=self.settings.cleanup_interval,
            # waitress refuses a body of this size or more; ours may be exactly the limit.
            max_request_body_size=self.settings.max_request_body_size + 1,
            # poll(), not select(): select() cannot watch more than 1,024 sockets.
            asyncore_use_poll=True,
            expose_tracebacks=False,
            ident="platformbot",
        )
        self._map: dict[int, Any] = {}
        self._dispatcher = ThreadedTaskDispatcher()
        self._dispatcher.set_thread_count(self.settings.threads)
        self._server = TcpWSGIServer(app, self._map, dispatcher=self._dispatcher, adj=adjustments)
        self._server.channel_class = _Channel
        self._thread: threading.Thread | None = None
        self._stopped = False

    @property
    def url(self) -> str:
        return f"http://{self._server.effective_host}:{self._server.effective_port}"

    def start(self) -> HttpServer:
        self._thread = threading.Thread(target=self.serve_forever, name="http", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._server.run()

    def open_connections(self) -> int:
        return sum(1 for channel in list(self._map.values()) if isinstance(channel, HTTPChannel))

    def in_flight(self) -> int:
        """Requests received whole and not yet answered (an idle or half-sent connection is not one)."""
        return sum(
            1
            for channel in list(self._map.values())
            if isinstance(channel, HTTPChannel) and (channel.requests or channel.total_outbufs_len)
        )

    def stop(self, grace: float | None = None) -> None:
        """Stop accepting, give requests in flight up to `grace` seconds (default the settings'
        `inflight_grace_seconds`) to be answered, then close every connection. Idempotent."""
        if self._stopped:
            return
        self._stopped = True
        grace = self.settings.inflight_grace_seconds if grace is None else grace
        running = self._thread is not None and self._thread.is_alive()
        if running:
            # wasyncore is not thread-safe: what touches its map runs on its own thread.
            self._call_in_loop(self._close_listener)
            deadline = time.monotonic() + grace
            while self.in_flight() and time.monotonic() < deadline:
                time.sleep(0.02)
            left = self.in_flight()
            if left:
                log.warning("closing %d connection(s) with a request still unanswered", left)
            self._call_in_loop(lambda: wasyncore.close_all(self._map))
            assert self._thread is not None
            self._thread.join(timeout=5)
        else:
            wasyncore.close_all(self._map)
        self._dispatcher.shutdown(cancel_pending=True, timeout=5)

    def _close_listener(self) -> None:
        self._server.accepting = False
        wasyncore.dispatcher.close(self._server)

    def _call_in_loop(self, thunk: Callable[[], None]) -> None:
        done = threading.Event()

        def run() -> None:
            try:
                thunk()
            finally:
                done.set()

        self._server.trigger.pull_trigger(run)
        # The loop wakes on the trigger at once; it is gone only if it has already ended.
        done.wait(timeout=5)
