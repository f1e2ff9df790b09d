"""The emulator's HTTP face: Slack's Web API, its file upload host and response URLs on one port.

Paths:
    /api/<method>          Web API (GET or POST; JSON, form-encoded or multipart bodies)
    /upload/v1/<file id>   upload URLs handed out by files.getUploadURLExternal
    /response/<token>      response URLs minted for slash commands and interactions
    /files/<file id>       a file's bytes (its url_private), for a web page
    /archives/<c>/p<ts>    permalinks, answered with the message as JSON
"""

from __future__ import annotations

import json
import logging
import time
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

from bot.devtools.slack_emulator import response_urls
from bot.devtools.slack_emulator.errors import SlackMethodError
from bot.devtools.slack_emulator.faults import Fault, FaultBook
from bot.devtools.slack_emulator.methods import APP_TOKEN_METHODS, METHODS, Params
from bot.devtools.slack_emulator.methods.files import receive_upload
from bot.devtools.slack_emulator.state import EmulatorState

log = logging.getLogger(__name__)

REDACTED = "<redacted>"


class EmulatorHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], state: EmulatorState, faults: FaultBook) -> None:
        super().__init__(address, EmulatorRequestHandler)
        self.state = state
        self.faults = faults
        # Exceptions inside the emulator (its bugs, not the bot's); tests can assert there are none.
        self.internal_errors: list[str] = []


def parse_body(content_type: str, raw: bytes) -> tuple[dict[str, Any], Any, dict[str, bytes]]:
    """(params, parsed JSON body or None, uploaded file parts) of a request body."""
    kind = content_type.split(";")[0].strip().lower()
    if kind == "application/json":
        parsed = json.loads(raw.decode("utf-8") or "null")
        return (dict(parsed) if isinstance(parsed, dict) else {}), parsed, {}
    if kind == "application/x-www-form-urlencoded":
        return dict(parse_qsl(raw.decode("utf-8"), keep_blank_values=True)), None, {}
    if kind == "multipart/form-data":
        head = f"Content-Type: {content_type}\r\n\r\n".encode()
        message = BytesParser(policy=HTTP).parsebytes(head + raw)
        params: dict[str, Any] = {}
        uploads: dict[str, bytes] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True)
            if not isinstance(name, str) or not isinstance(payload, bytes):
                continue
            if part.get_filename() is not None:
                uploads[name] = payload
            else:
                params[name] = payload.decode("utf-8")
        return params, None, uploads
    return {}, None, {}


class EmulatorRequestHandler(BaseHTTPRequestHandler):
    server: EmulatorHTTPServer
    # Without this, BaseHTTPRequestHandler reports itself as "BaseHTTP/0.6 Python/3.x".
    server_version = "SlackEmulator/1"

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("slack emulator: " + format, *args)

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    # -- plumbing -------------------------------------------------------------------------------

    def _send(
        self, status: int, body: Any, headers: dict[str, str] | None = None, content_type: str | None = None
    ) -> None:
        if isinstance(body, bytes):
            data, content_type = body, content_type or "application/octet-stream"
        elif isinstance(body, str):
            data, content_type = body.encode(), "text/plain; charset=utf-8"
        else:
            data, content_type = json.dumps(body).encode(), "application/json; charset=utf-8"
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _handle(self) -> None:
        path, _, query = self.path.partition("?")
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            if path.startswith("/api/"):
                self._api(path.removeprefix("/api/"), query, raw)
            elif path.startswith("/upload/v1/") and self.command == "POST":
                self._upload(path.removeprefix("/upload/v1/"), raw)
            elif path.startswith("/response/") and self.command == "POST":
                self._response_url(path.removeprefix("/response/"), raw)
            elif self.command == "GET" and path.startswith(("/files/", "/archives/")):
                status, reply, content_type = self._lookup(path)
                shown = f"<{len(reply)} bytes>" if isinstance(reply, bytes) else reply
                self._record("http", {}, None, raw, None, status=status, response=shown)
                self._send(status, reply, content_type=content_type)
            else:
                reply = {"ok": False, "error": "not_found"}
                self._record("http", {}, None, raw, None, status=404, response=reply)
                self._send(404, reply)
        except Exception as exc:  # an emulator bug must show up as a 500, not a hung client
            log.exception("slack emulator failed on %s %s", self.command, path)
            self.server.internal_errors.append(f"{self.command} {path}: {exc!r}")
            self._send(500, {"ok": False, "error": "internal_error"})

    def _recorded_headers(self, token: str | None) -> dict[str, str]:
        headers: dict[str, str] = {}
        for name, value in self.headers.items():
            if name.lower() == "authorization":
                value = "Bearer " + REDACTED
            headers[name] = value.replace(token, REDACTED) if token else value
        return headers

    def _record(
        self, method: str, params: dict[str, Any], parsed: Any, raw: bytes, token: str | None, **kw: Any
    ) -> None:
        body = raw.decode("utf-8", errors="replace")
        if token:
            body = body.replace(token, REDACTED)
        if isinstance(parsed, dict) and "token" in parsed:
            parsed = {k: (REDACTED if k == "token" else v) for k, v in parsed.items()}
        self.server.state.record(
            http_method=self.command,
            path=self.path.partition("?")[0],
            method=method,
            params=params,
            json=parsed,
            headers=self._recorded_headers(token),
            body=body,
            **kw,
        )

    def _fault(self, method: str) -> tuple[int, dict[str, Any], dict[str, str]] | None:
        """The reply an injected fault forces, after any delay it asks for; None to go on normally."""
        fault: Fault | None = self.server.faults.take(method)
        if fault is None:
            return None
        if fault.kind == "slow":
            time.sleep(fault.delay)
            return None
        if fault.kind == "rate_limited":
            return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(fault.retry_after)}
        if fault.kind == "server_error":
            return 500, {"ok": False, "error": "internal_error"}, {}
        return 200, {"ok": False, "error": fault.error}, {}

    # -- endpoints ------------------------------------------------------------------------------

    def _api(self, method: str, query: str, raw: bytes) -> None:
        try:
            params, parsed, _ = parse_body(self.headers.get("Content-Type", ""), raw)
        except (ValueError, UnicodeDecodeError):
            params, parsed = {}, None
            bad_body = True
        else:
            bad_body = False
        params = dict(parse_qsl(query, keep_blank_values=True)) | params
        auth = self.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ").strip() if auth.startswith("Bearer ") else None
        token = token or (str(params["token"]) if params.get("token") else None)
        params.pop("token", None)
        status, reply, headers = self._api_reply(method, params, token, bad_body)
        self._record(method, params, parsed, raw, token, status=status, response=reply)
        self._send(status, reply, headers)

    def _api_reply(
        self, method: str, params: dict[str, Any], token: str | None, bad_body: bool
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        handler = METHODS.get(method)
        if handler is None:
            return 200, {"ok": False, "error": "unknown_method"}, {}
        if not token:
            return 200, {"ok": False, "error": "not_authed"}, {}
        workspace = self.server.state.workspace
        if token not in workspace.tokens and token != workspace.app_token:
            return 200, {"ok": False, "error": "invalid_auth"}, {}
        if (token == workspace.app_token) != (method in APP_TOKEN_METHODS):
            # An xapp- token opens Socket Mode links and nothing else; a bot token cannot open them.
            return 200, {"ok": False, "error": "not_allowed_token_type"}, {}
        if bad_body:
            return 200, {"ok": False, "error": "invalid_json"}, {}
        forced = self._fault(method)
        if forced is not None:
            return forced
        try:
            result = handler(self.server.state, Params(params))
        except SlackMethodError as exc:
            reply: dict[str, Any] = {"ok": False, "error": exc.error}
            if exc.messages:
                reply["response_metadata"] = {"messages": exc.messages}
            return exc.status, reply, {}
        return 200, {"ok": True} | result, {}

    def _upload(self, file_id: str, raw: bytes) -> None:
        content = raw
        content_type = self.headers.get("Content-Type", "")
        if content_type.startswith("multipart/form-data"):
            _, _, uploads = parse_body(content_type, raw)
            content = uploads.get("file", next(iter(uploads.values()), b""))
        forced = self._fault("upload")
        if forced is not None:
            status, reply, headers = forced
            self._record("upload", {"file_id": file_id}, None, raw, None, status=status, response=reply)
            self._send(status, reply, headers)
            return
        status, text = receive_upload(self.server.state, file_id, content)
        self._record("upload", {"file_id": file_id}, None, raw, None, status=status, response=text)
        self._send(status, text)

    def _response_url(self, token: str, raw: bytes) -> None:
        try:
            body: Any = json.loads(raw.decode("utf-8") or "null")
        except (ValueError, UnicodeDecodeError):
            body = None
        forced = self._fault("response_url")
        if forced is not None:
            status, reply, headers = forced
        else:
            status, reply = response_urls.post(self.server.state, token, body)
            headers = {}
        params = dict(body) if isinstance(body, dict) else {}
        self._record("response_url", params, body, raw, None, status=status, response=reply)
        self._send(status, reply, headers)

    def _lookup(self, path: str) -> tuple[int, Any, str | None]:
        """GET of a file's bytes (with its content type) or of a permalink."""
        state = self.server.state
        if path.startswith("/files/"):
            with state.lock:
                file = state.file_store.get(path.removeprefix("/files/"))
                if file is None or file.content is None:
                    return 404, "Not Found", None
                return 200, file.content, file.type.mimetype
        parts = path.strip("/").split("/")
        if len(parts) == 3 and parts[2].startswith("p") and parts[2][1:].isdigit():
            digits = parts[2][1:]
            message = state.find(parts[1], f"{digits[:-6]}.{digits[-6:]}")
            if message is not None:
                return 200, {"channel": parts[1], "message": state.message_json(message)}, None
        return 404, {"ok": False, "error": "message_not_found"}, None
