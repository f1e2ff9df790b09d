"""The page's HTTP server: what it serves, and what it refuses (other hosts, non-JSON posts)."""

from __future__ import annotations

import http.client
import json
import re
from typing import Any
from urllib.parse import urlsplit

from slack_sdk import WebClient

from bot.devtools.sandbox.runtime import Sandbox
from bot.devtools.sandbox.web import STATIC_DIR


def _request(
    sandbox: Sandbox,
    method: str,
    path: str,
    body: Any = None,
    *,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], bytes]:
    address = urlsplit(sandbox.page_url)
    conn = http.client.HTTPConnection(address.hostname or "", address.port, timeout=10)
    data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
    sent = {"Content-Type": "application/json"} if data is not None else {}
    conn.request(method, path, body=data, headers=sent | (headers or {}))
    reply = conn.getresponse()
    return reply.status, {k.lower(): v for k, v in reply.getheaders()}, reply.read()


def test_the_page_is_served_with_a_policy_that_forbids_other_origins(sandbox: Sandbox) -> None:
    status, headers, body = _request(sandbox, "GET", "/")

    assert status == 200 and headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in headers["content-security-policy"]
    assert b'src="/static/app.js"' in body
    status, headers, _ = _request(sandbox, "GET", "/static/mrkdwn.js")
    assert status == 200 and headers["content-type"].startswith("text/javascript")


def test_static_files_load_nothing_from_outside_this_machine() -> None:
    # No CDN, no web font: every reference in the page's own files is relative or same-origin.
    outside = re.compile(r"""(src|href)=["']https?:|url\(\s*["']?https?:|@import|from\s+["']https?:""")
    for path in STATIC_DIR.iterdir():
        if path.suffix in {".html", ".css", ".js"}:
            assert not outside.search(path.read_text(encoding="utf-8")), path.name
    for module in re.findall(r'from "\./([\w.]+)"', (STATIC_DIR / "app.js").read_text(encoding="utf-8")):
        assert (STATIC_DIR / module).is_file(), module


def test_paths_outside_the_static_dir_are_not_served(sandbox: Sandbox) -> None:
    assert _request(sandbox, "GET", "/static/../api.py")[0] == 404
    assert _request(sandbox, "GET", "/static/%2e%2e/api.py")[0] == 404
    assert _request(sandbox, "GET", "/nothing-here")[0] == 404


def test_requests_addressed_to_another_host_name_are_refused(sandbox: Sandbox) -> None:
    # A page elsewhere could point its own DNS name at 127.0.0.1 (DNS rebinding).
    status, _, body = _request(sandbox, "GET", "/api/state?user=U0REQ", headers={"Host": "evil.example:80"})

    assert status == 403 and b"loopback" in body


def test_actions_must_be_json_so_other_sites_cannot_post_forms(sandbox: Sandbox) -> None:
    status, _, _ = _request(
        sandbox,
        "POST",
        "/api/command",
        b"user=U0REQ&channel=C0REQUESTS&text=/platform+help",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert status == 415

    body = {"user": "U0REQ", "channel": "C0REQUESTS", "text": "/platform help"}
    status, _, reply = _request(sandbox, "POST", "/api/command", body)
    assert status == 200 and json.loads(reply) == {"ok": True}


def test_bad_input_gets_a_json_error_not_a_traceback(sandbox: Sandbox) -> None:
    cases = [
        ("GET", "/api/state?user=U0NOBODY", None, 400),
        ("GET", "/api/changes?since=soon", None, 400),
        ("GET", "/api/files/F0MISSING", None, 404),
        ("POST", "/api/command", b"{not json", 400),
        ("POST", "/api/click", {"user": "U0REQ", "target": "message", "action_id": "approve"}, 400),
        ("POST", "/api/view/submit", {"user": "U0REQ", "view_id": "V0NONE", "values": {}}, 404),
        ("POST", "/api/unknown", {"user": "U0REQ"}, 404),
    ]
    for method, path, body, expected in cases:
        status, headers, reply = _request(sandbox, method, path, body)
        assert status == expected, path
        assert headers["content-type"].startswith("application/json")
        assert json.loads(reply)["ok"] is False


def test_changes_answers_with_the_current_sequence_after_a_quiet_wait(sandbox: Sandbox) -> None:
    _, _, state = _request(sandbox, "GET", "/api/state?user=U0REQ")
    seq = json.loads(state)["seq"]

    status, _, reply = _request(sandbox, "GET", f"/api/changes?since={seq}&timeout=0")

    assert status == 200 and json.loads(reply) == {"seq": seq, "changed": False}


def test_the_stats_chart_is_served_as_the_png_the_bot_uploaded(sandbox: Sandbox) -> None:
    assert sandbox.web is not None and sandbox.slack is not None
    sandbox.web.api.command("U0REQ", "C0PLATFORM", "/platform stats")
    chart = sandbox.slack.wait_for(lambda: next(iter(sandbox.slack.files), None), timeout=20)

    _, _, state = _request(sandbox, "GET", "/api/state?user=U0REQ")
    shared = [
        file
        for channel in json.loads(state)["channels"]
        for thread in channel["threads"].values()
        for message in thread
        for file in message.get("files") or []
    ]
    assert [(f["id"], f["mimetype"], f["filetype"]) for f in shared] == [(chart.id, "image/png", "png")]
    assert shared[0]["preview"] == ""  # no text snippet of the PNG's bytes
    status, headers, body = _request(sandbox, "GET", f"/api/files/{chart.id}")
    assert (status, headers["content-type"]) == (200, "image/png")
    assert body == chart.content and body.startswith(b"\x89PNG\r\n\x1a\n")


def test_a_text_file_is_served_as_utf8_text(sandbox: Sandbox) -> None:
    assert sandbox.slack is not None
    client = WebClient(base_url=sandbox.slack.base_url, token=sandbox.slack.workspace.bot_token, timeout=10)
    uploaded = client.files_upload_v2(content="+ añadir\n", channel="C0PLATFORM", snippet_type="diff")

    status, headers, body = _request(sandbox, "GET", f"/api/files/{uploaded['file']['id']}")

    assert (status, headers["content-type"], body.decode()) == (
        200,
        "text/plain; charset=utf-8",
        "+ añadir\n",
    )
