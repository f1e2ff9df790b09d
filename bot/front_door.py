"""The front door: a WSGI layer in front of Bolt's handler that refuses bad transport input.

Bolt's own verifier calls `int()` on the timestamp header (500 and a traceback for `abc`), parses
bodies it has not checked (500 for a JSON body that is not JSON) and logs every refused body at
INFO. Here every request to `/slack/events` is checked first, in this order, and refused with one
log line (what was wrong, sizes, a sha256 prefix of the body, the remote address; never the body):

    413  the body is larger than the limit (by Content-Length, before anything is read)
    401  timestamp missing, not plain digits, or more than 5 minutes away; signature missing,
         not `v0=`, or wrong (slack_sdk's SignatureVerifier, over the exact bytes received)
    400  the body is not UTF-8 (checked before the signature, which is over UTF-8 text), or does
         not parse: a form for slash commands and `payload=` interactivity (the payload a JSON
         object), a JSON object for the Events API

Nothing is stored for a refused request: it never reaches Bolt.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

from slack_sdk.signature import SignatureVerifier

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

log = logging.getLogger("bot.front_door")

# Slack's replay window: "more than five minutes from local time" is refused.
WINDOW_SECONDS = 5 * 60
# Unix seconds as Slack sends them; `int()` alone would take " 12", "1_0" and other digits.
_TIMESTAMP = re.compile(r"[0-9]{1,12}", re.ASCII)
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}", re.ASCII)
# Bolt logs refused requests with their body at INFO through this logger.
_BOLT_VERIFICATION_LOGGER = "slack_bolt.RequestVerification"


@dataclass(frozen=True)
class Refusal:
    status: int
    reason: str


_STATUS_LINES = {400: "400 Bad Request", 401: "401 Unauthorized", 413: "413 Payload Too Large"}


class FrontDoor:
    """WSGI middleware: checks a request to `/slack/events`, then hands Bolt a body it can trust."""

    def __init__(
        self,
        app: WSGIApplication,
        signing_secret: str,
        *,
        max_body_bytes: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._app = app
        self._verifier = SignatureVerifier(signing_secret)
        self._max_body = max_body_bytes
        self._clock = clock
        quiet_bolt_verification_log()

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        length = _content_length(environ)
        if length is None:
            return self._refuse(environ, start_response, Refusal(400, "no usable Content-Length"), b"", 0)
        if length > self._max_body:
            refusal = Refusal(413, f"body of {length} bytes is over the {self._max_body}-byte limit")
            return self._refuse(environ, start_response, refusal, None, length)
        body = environ["wsgi.input"].read(length) if length else b""
        if len(body) != length:
            refusal = Refusal(400, f"body ended after {len(body)} of {length} bytes")
            return self._refuse(environ, start_response, refusal, body, length)
        problem = self.check(environ, body)
        if problem is not None:
            return self._refuse(environ, start_response, problem, body, length)
        # Bolt reads the body again: hand it the bytes that were checked.
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(length)
        return self._app(environ, start_response)

    def check(self, environ: WSGIEnvironment, body: bytes) -> Refusal | None:
        """The first thing wrong with a request whose body has been read, or None."""
        timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP")
        signature = environ.get("HTTP_X_SLACK_SIGNATURE")
        if timestamp is None:
            return Refusal(401, "no X-Slack-Request-Timestamp")
        if not _TIMESTAMP.fullmatch(timestamp):
            return Refusal(401, f"X-Slack-Request-Timestamp is not Unix seconds ({len(timestamp)} chars)")
        skew = int(timestamp) - int(self._clock())
        if abs(skew) > WINDOW_SECONDS:
            return Refusal(401, f"X-Slack-Request-Timestamp is {skew:+d} s off (window {WINDOW_SECONDS} s)")
        if signature is None:
            return Refusal(401, "no X-Slack-Signature")
        if not _SIGNATURE.fullmatch(signature):
            return Refusal(401, f"X-Slack-Signature is not v0=<64 hex> ({len(signature)} chars)")
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            # Slack sends UTF-8, and slack_sdk's verifier decodes before it hashes.
            return Refusal(400, "body is not UTF-8")
        if not self._verifier.is_valid(body=text, timestamp=timestamp, signature=signature):
            return Refusal(401, "X-Slack-Signature does not match the body")
        return _body_problem(environ.get("CONTENT_TYPE", ""), text)

    def _refuse(
        self,
        environ: WSGIEnvironment,
        start_response: StartResponse,
        refusal: Refusal,
        body: bytes | None,
        length: int,
    ) -> Iterable[bytes]:
        digest = "unread" if body is None else hashlib.sha256(body).hexdigest()[:16]
        level = logging.WARNING if refusal.status == 401 else logging.INFO
        log.log(
            level,
            "refused %s %s with %d: %s (content-length %d, read %s, sha256 %s, from %s)",
            environ.get("REQUEST_METHOD", "?"),
            environ.get("PATH_INFO", "?"),
            refusal.status,
            refusal.reason,
            length,
            "none" if body is None else len(body),
            digest,
            environ.get("REMOTE_ADDR", "?"),
        )
        payload = json.dumps({"error": refusal.reason}).encode()
        headers = [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))]
        if body is None:
            # The unread body is still on the wire: this connection cannot carry another request.
            headers.append(("Connection", "close"))
        start_response(_STATUS_LINES[refusal.status], headers)
        return [payload]


def _content_length(environ: WSGIEnvironment) -> int | None:
    raw = str(environ.get("CONTENT_LENGTH") or "0").strip()
    if not raw.isascii() or not raw.isdigit():
        return None
    return int(raw)


def _body_problem(content_type: str, text: str) -> Refusal | None:
    kind = content_type.split(";", 1)[0].strip().lower()
    if kind == "application/json":
        return None if _json_object(text) else Refusal(400, "body is not a JSON object")
    if kind == "application/x-www-form-urlencoded":
        try:
            fields = dict(parse_qsl(text, keep_blank_values=True, strict_parsing=True))
        except ValueError:
            return Refusal(400, "body is not a form")
        if "payload" in fields and not _json_object(fields["payload"]):
            return Refusal(400, "form field payload is not a JSON object")
        if "payload" not in fields and "command" not in fields and "ssl_check" not in fields:
            return Refusal(400, "form has neither command nor payload")
        return None
    return Refusal(400, f"content type {kind[:40] or 'missing'} is neither a form nor JSON")


def _json_object(text: str) -> bool:
    try:
        return isinstance(json.loads(text), dict)
    except (ValueError, RecursionError):  # RecursionError: deeply nested arrays
        return False


class _DropAll(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return False


def quiet_bolt_verification_log() -> None:
    """Bolt logs a refused request's whole body at INFO. The front door refuses first and logs a
    hash instead; this drops Bolt's line should it ever fire (a filter, so Bolt's own logger
    set-up, which copies levels from the app's logger, cannot turn it back on)."""
    logger = logging.getLogger(_BOLT_VERIFICATION_LOGGER)
    if not any(isinstance(f, _DropAll) for f in logger.filters):
        logger.addFilter(_DropAll())
