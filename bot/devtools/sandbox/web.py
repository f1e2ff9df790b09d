"""The sandbox page's server: static files and a small JSON API on loopback (stdlib only).

GET  /                       the page (static/index.html)
GET  /static/<file>          its CSS and JS, served from bot/devtools/sandbox/static
GET  /api/state?user=U..     what that person sees (SandboxApi.snapshot)
GET  /api/changes?since=N    long poll: returns {"seq"} once something visible changed
GET  /api/files/<id>         a file's bytes, typed as uploaded (plan diffs as text, charts as PNG)
POST /api/command            {"user", "channel", "text": "/platform ..."}
POST /api/message            {"user", "channel", "text", "thread_ts"?}
POST /api/click              {"user", "target": {"kind", ...}, "action_id", "value"?}
POST /api/view/submit        {"user", "view_id", "values": {block_id: value}}
POST /api/view/close         {"user", "view_id"}
POST /api/home               {"user"}: the App Home tab was opened
"""

from __future__ import annotations

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from bot.devtools.sandbox.api import ApiError, SandboxApi, parse_json

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).parent / "static"
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".png": "image/png",
    ".svg": "image/svg+xml",
}
# The page loads nothing from anywhere else, and the browser is told to refuse if it tried.
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; font-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "[::1]"}


class SandboxWebServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, api: SandboxApi, port: int) -> None:
        # Loopback only: the page has no login and lets anyone act as anyone in the workspace.
        super().__init__(("127.0.0.1", port), SandboxHandler)
        self.api = api
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}/"

    def start(self) -> SandboxWebServer:
        self._thread = threading.Thread(
            target=self.serve_forever, args=(0.1,), name="sandbox-web", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)


class SandboxHandler(BaseHTTPRequestHandler):
    server: SandboxWebServer
    server_version = "platformbot-sandbox/1"

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("sandbox page: " + format, *args)

    def do_GET(self) -> None:
        self._guarded(self._get)

    def do_POST(self) -> None:
        self._guarded(self._post)

    # -- routing --------------------------------------------------------------------------------

    def _guarded(self, handle: Any) -> None:
        if not self._host_is_loopback():
            # Another site's page could name this server through a DNS name that resolves to
            # 127.0.0.1 (DNS rebinding); only requests addressed to loopback by name are served.
            self._send_json(403, {"ok": False, "error": "the sandbox answers on loopback addresses only"})
            return
        try:
            handle(urlsplit(self.path))
        except ApiError as exc:
            self._send_json(exc.status, {"ok": False, "error": exc.message})
        except Exception:  # a sandbox bug: logged in full, the page gets a short note
            log.exception("sandbox page request failed: %s %s", self.command, self.path)
            self._send_json(500, {"ok": False, "error": "the sandbox failed; see the sandbox log"})

    def _get(self, url: Any) -> None:
        api = self.server.api
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        path = url.path
        if path in ("/", "/index.html"):
            self._send_static("index.html")
        elif path.startswith("/static/"):
            self._send_static(path.removeprefix("/static/"))
        elif path == "/api/state":
            self._send_json(200, api.snapshot(query.get("user", "")))
        elif path == "/api/changes":
            since = _int(query.get("since"), "since")
            timeout = float(_int(query.get("timeout", "20"), "timeout"))
            seq, changed = api.wait(since, timeout)
            self._send_json(200, {"seq": seq, "changed": changed})
        elif path.startswith("/api/files/"):
            self._send(200, *_file(api, path.removeprefix("/api/files/")))
        else:
            self._send_json(404, {"ok": False, "error": "not found"})

    def _post(self, url: Any) -> None:
        # Only JSON: a cross-site form cannot send it without the browser asking first (CORS).
        if self.headers.get("Content-Type", "").split(";")[0].strip() != "application/json":
            raise ApiError("POST bodies must be application/json", status=415)
        body = parse_json(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
        api = self.server.api
        user = str(body.get("user", ""))
        actions = {
            "/api/command": lambda: api.command(user, _str(body, "channel"), _str(body, "text")),
            "/api/message": lambda: api.post_message(
                user, _str(body, "channel"), _str(body, "text"), body.get("thread_ts") or None
            ),
            "/api/click": lambda: api.click(
                user, _dict(body, "target"), _str(body, "action_id"), body.get("value")
            ),
            "/api/view/submit": lambda: api.submit_view(user, _str(body, "view_id"), _dict(body, "values")),
            "/api/view/close": lambda: api.close_view(user, _str(body, "view_id")),
            "/api/home": lambda: api.open_home(user),
        }
        action = actions.get(url.path)
        if action is None:
            raise ApiError("not found", status=404)
        self._send_json(200, action())

    # -- replies --------------------------------------------------------------------------------

    def _host_is_loopback(self) -> bool:
        host = self.headers.get("Host", "")
        name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        return name in LOOPBACK_HOSTS

    def _send_static(self, name: str) -> None:
        path = (STATIC_DIR / name).resolve()
        if STATIC_DIR.resolve() not in path.parents or not path.is_file():
            raise ApiError("not found", status=404)
        self._send(200, path.read_bytes(), CONTENT_TYPES.get(path.suffix, "application/octet-stream"))

    def _send_json(self, status: int, body: Any) -> None:
        self._send(status, json.dumps(body).encode(), "application/json; charset=utf-8")

    def _send(self, status: int, data: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("Content-Security-Policy", CSP)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        try:
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the page was closed mid long poll
            log.debug("sandbox page went away before its answer was sent")


def _file(api: SandboxApi, file_id: str) -> tuple[bytes, str]:
    """A file's bytes exactly as uploaded and its content type: text as UTF-8, images as images."""
    state = api.slack.state
    with state.lock:
        file = state.file_store.get(file_id)
        if file is None or file.content is None:
            raise ApiError(f"no file {file_id}", status=404)
        content, kind = file.content, file.type
    return content, f"{kind.mimetype}; charset=utf-8" if kind.is_text else kind.mimetype


def _int(value: str | None, name: str) -> int:
    try:
        return int(value or "0")
    except ValueError as exc:
        raise ApiError(f"{name} must be a number") from exc


def _str(body: dict[str, Any], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str):
        raise ApiError(f"{key} must be a string")
    return value


def _dict(body: dict[str, Any], key: str) -> dict[str, Any]:
    value = body.get(key)
    if not isinstance(value, dict):
        raise ApiError(f"{key} must be an object")
    return value
