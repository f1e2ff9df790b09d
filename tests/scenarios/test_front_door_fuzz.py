"""Bad transport input over real HTTP to the real server (waitress, the front door, Bolt, the bot):
every case is refused with 401, 400 or 413, nothing is stored, and nothing logs a traceback.

The cases are a generated table (seeded, so a failure names a case that can be run again), over
what a forger, a replay, a broken client or a proxy can send: wrong secrets, bodies changed after
signing, stale and future timestamps, missing, truncated and non-`v0` signatures, timestamps that
are not Unix seconds, bodies that are neither a form nor JSON, and bodies over the limit."""

from __future__ import annotations

import http.client
import json
import logging
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import text

from bot.app import PlatformBot, create_app
from bot.config import Settings
from bot.devtools.slack_emulator import SlackEmulator, default_workspace
from tests.support.pulumi import require_pulumi_cli
from tests.support.scenario import scenario_config

CASES = 1200
LIMIT = 1024 * 1024
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


@dataclass(frozen=True)
class Case:
    kind: str
    expected: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    # Sent as the Content-Length when it is not the body's own length (an oversized declaration).
    declared_length: int | None = None
    chunked: bool = False


def _command_body(rng: random.Random) -> bytes:
    text_ = rng.choice(["help", "catalog", "request service name=x team=payments", "status PB-1", ""])
    return urlencode(
        {
            "command": "/platform",
            "text": text_,
            "user_id": "U0REQ",
            "channel_id": "C0REQUESTS",
            "team_id": "T0TEAM",
            "trigger_id": "1.2.3",
            "response_url": "http://127.0.0.1:9/r",
        }
    ).encode()


def _signed(secret: str, body: bytes, timestamp: str) -> dict[str, str]:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:  # cannot be signed as Slack signs (UTF-8 text)
        return {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": "v0=" + "0" * 64}
    signature = SignatureVerifier(secret).generate_signature(timestamp=timestamp, body=body)
    assert signature is not None
    return {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": signature}


def generate_cases(secret: str, seed: int = 12) -> list[Case]:
    rng = random.Random(seed)
    now = int(time.time())
    makers = []

    def case(fn):  # type: ignore[no-untyped-def]
        makers.append(fn)
        return fn

    @case
    def wrong_secret() -> Case:
        body = _command_body(rng)
        other = "".join(rng.choice("0123456789abcdef") for _ in range(32))
        return Case("wrong secret", 401, body, {"Content-Type": FORM, **_signed(other, body, str(now))})

    @case
    def changed_after_signing() -> Case:
        body = _command_body(rng)
        headers = {"Content-Type": FORM, **_signed(secret, body, str(now))}
        at = rng.randrange(len(body))
        changed = rng.choice(
            [body[:at] + b"x" + body[at + 1 :], body + b"&admin=1", body[:at], body.replace(b"help", b"hElp")]
        )
        if changed == body:
            changed = body + b"&x=1"
        return Case("body changed after signing", 401, changed, headers)

    @case
    def replayed() -> Case:
        body = _command_body(rng)
        stamp = str(now - rng.choice([360, 400, 3600, 86400 * 30, now - 1]))
        return Case("replayed timestamp", 401, body, {"Content-Type": FORM, **_signed(secret, body, stamp)})

    @case
    def future() -> Case:
        body = _command_body(rng)
        stamp = str(now + rng.choice([360, 900, 86400, 10**10]))
        return Case("future timestamp", 401, body, {"Content-Type": FORM, **_signed(secret, body, stamp)})

    @case
    def missing_header() -> Case:
        body = _command_body(rng)
        headers = {"Content-Type": FORM, **_signed(secret, body, str(now))}
        del headers[rng.choice(["X-Slack-Request-Timestamp", "X-Slack-Signature"])]
        if rng.random() < 0.3:
            headers.pop("X-Slack-Request-Timestamp", None)
            headers.pop("X-Slack-Signature", None)
        return Case("missing header", 401, body, headers)

    @case
    def bad_signature() -> Case:
        body = _command_body(rng)
        headers = {"Content-Type": FORM, **_signed(secret, body, str(now))}
        good = headers["X-Slack-Signature"]
        headers["X-Slack-Signature"] = rng.choice(
            [
                good[: rng.randrange(0, len(good))],
                "v1=" + good[3:],
                "V0=" + good[3:],
                "sha256=" + good[3:],
                good[3:],
                good.upper(),
                good + "00",
                "v0=",
                "",
                "v0=" + "g" * 64,
            ]
        )
        return Case("truncated or non-v0 signature", 401, body, headers)

    @case
    def non_numeric_timestamp() -> Case:
        body = _command_body(rng)
        stamp = rng.choice(
            [
                "abc",
                "",
                "0x10",
                "1e10",
                f" {now}",
                f"{now} ",
                f"{now:_}",
                "-5",
                f"{now}.5",
                "١٢٣",
                "9" * 40,
                "NaN",
            ]
        )
        headers = {"Content-Type": FORM, "X-Slack-Request-Timestamp": stamp}
        # Signed as a careless verifier would check it, so only the timestamp is wrong.
        headers["X-Slack-Signature"] = _signed(secret, body, stamp)["X-Slack-Signature"]
        return Case("non-numeric timestamp", 401, body, headers)

    @case
    def not_a_form() -> Case:
        body = rng.choice(
            [
                b"%%%",
                b"a=1&&b=2",
                b"\xff\xfe\x00garbage",
                b"text=help&user_id=U0REQ",  # a form, but neither a command nor a payload
                b"payload=%7Bnot-json",
                b"payload=%5B1%2C2%5D",  # a JSON array, not an object
                b"payload=" + b"%5B" * 5000,
                b"",
                b"command",
            ]
        )
        return Case("not a form", 400, body, {"Content-Type": FORM, **_signed(secret, body, str(now))})

    @case
    def not_json() -> Case:
        body = rng.choice(
            [b"{", b"null", b"[]", b'"event"', b"{'type': 'x'}", b"\xff", b"[" * 100_000, b"", b"{}}"]
        )
        return Case("not JSON", 400, body, {"Content-Type": JSON, **_signed(secret, body, str(now))})

    @case
    def other_content_type() -> Case:
        body = json.dumps({"type": "event_callback"}).encode()
        kind = rng.choice(["text/plain", "application/xml", "multipart/form-data; boundary=x", ""])
        headers = {**_signed(secret, body, str(now))}
        if kind:
            headers["Content-Type"] = kind
        return Case("neither form nor JSON", 400, body, headers)

    @case
    def oversized() -> Case:
        headers = {
            "Content-Type": FORM,
            "X-Slack-Request-Timestamp": str(now),
            "X-Slack-Signature": "v0=" + "0" * 64,
        }
        declared = LIMIT + rng.choice([1, 1000, 4 * LIMIT, 10**9])
        if rng.random() < 0.05:
            return Case("oversized, chunked", 413, b"a" * (LIMIT + 10), headers, chunked=True)
        # Only a little is sent: the answer must come by Content-Length, before the body.
        return Case("oversized", 413, b"command=" + b"a" * 1000, headers, declared_length=declared)

    return [rng.choice(makers)() for _ in range(CASES)]


@pytest.fixture
def served_bot(tmp_path: Path) -> Iterator[tuple[PlatformBot, str]]:
    workspace = default_workspace()
    with SlackEmulator(workspace) as slack:
        settings = Settings(
            slack_bot_token=workspace.bot_token,
            slack_signing_secret=workspace.signing_secret,
            slack_api_url=slack.base_url,
            platformbot_data_dir=tmp_path / "data",
        )
        bot = create_app(settings, scenario_config(require_pulumi_cli()))
        bot.start()
        server = bot.serve_http(port=0).start()
        try:
            yield bot, server.url
        finally:
            bot.close()


def _send(url: str, case: Case) -> int:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.putrequest("POST", "/slack/events")
        for name, value in case.headers.items():
            connection.putheader(name, value.encode("utf-8"))
        if case.chunked:
            connection.putheader("Transfer-Encoding", "chunked")
            connection.endheaders()
            try:
                for start in range(0, len(case.body), 65536):
                    piece = case.body[start : start + 65536]
                    connection.send(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
                connection.send(b"0\r\n\r\n")
            except (BrokenPipeError, ConnectionResetError):
                pass  # the server answered and closed before the whole body was sent
        else:
            length = case.declared_length if case.declared_length is not None else len(case.body)
            connection.putheader("Content-Length", str(length))
            connection.endheaders(case.body)
        return connection.getresponse().status
    finally:
        connection.close()


def _rows(bot: PlatformBot) -> dict[str, int]:
    with bot.store.engine.connect() as connection:
        return {
            table: int(connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
            for table in ("requests", "audit_events", "approvals", "runs", "feedback_answers")
        }


def test_every_bad_transport_input_is_refused_stores_nothing_and_logs_no_traceback(
    served_bot: tuple[PlatformBot, str], caplog: pytest.LogCaptureFixture
) -> None:
    bot, url = served_bot
    secret = bot.settings.slack_signing_secret
    assert secret is not None
    cases = generate_cases(secret.get_secret_value())
    before = _rows(bot)
    caplog.set_level(logging.DEBUG)

    wrong = [
        (i, c.kind, c.expected, got) for i, c in enumerate(cases) if (got := _send(url, c)) != c.expected
    ]

    assert len(cases) >= 1000
    assert len({c.kind for c in cases}) == 12  # "oversized, chunked" counts apart
    assert wrong == []
    assert _rows(bot) == before
    assert "Traceback" not in caplog.text
    assert [r.getMessage() for r in caplog.records if r.exc_info] == []
    refusals = [r for r in caplog.records if r.name in ("bot.front_door", "bot.http_server")]
    assert len(refusals) == len(cases)  # one line per refusal, none for anything else


def test_a_well_signed_command_still_gets_through(served_bot: tuple[PlatformBot, str]) -> None:
    bot, url = served_bot
    secret = bot.settings.slack_signing_secret
    assert secret is not None
    body = urlencode(
        {
            "command": "/platform",
            "text": "help",
            "user_id": "U0REQ",
            "channel_id": "C0REQUESTS",
            "team_id": "T0TEAM",
            "trigger_id": "1.2.3",
            "response_url": "http://127.0.0.1:9/r",
        }
    ).encode()
    headers = {"Content-Type": FORM, **_signed(secret.get_secret_value(), body, str(int(time.time())))}

    assert _send(url, Case("good", 200, body, headers)) == 200


def test_a_refusal_log_line_names_the_problem_and_never_the_body(
    served_bot: tuple[PlatformBot, str], caplog: pytest.LogCaptureFixture
) -> None:
    _, url = served_bot
    body = b"command=%2Fplatform&text=SECRET-TEXT-1234"
    caplog.set_level(logging.DEBUG)

    status = _send(
        url,
        Case(
            "stale",
            401,
            body,
            {"Content-Type": FORM, "X-Slack-Request-Timestamp": "abc", "X-Slack-Signature": "v0=" + "0" * 64},
        ),
    )

    assert status == 401
    lines = [r.getMessage() for r in caplog.records if r.name == "bot.front_door"]
    assert len(lines) == 1
    assert "not Unix seconds" in lines[0] and "sha256" in lines[0] and "127.0.0.1" in lines[0]
    assert "SECRET-TEXT" not in caplog.text
