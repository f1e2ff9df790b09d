"""The HTTP server (waitress) and its routes over real HTTP: /healthz, /readyz with real checks,
the body limit, and a stop that answers what is in flight."""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest
from prometheus_client import CollectorRegistry
from slack_bolt import App

from bot.config import ServerSettings
from bot.http_server import HttpServer, build_wsgi_app
from bot.readiness import readiness_for
from bot.slack.render import render_text
from bot.store import Store
from tests.support.pulumi import require_pulumi_cli

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIEnvironment

SECRET = "unit-test-signing-secret"


def _get(url: str, path: str, method: str = "GET", body: bytes | None = None) -> tuple[int, bytes]:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        connection.request(method, path, body=body)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def _bolt() -> App:
    return App(signing_secret=SECRET, token="xoxb-unit", token_verification_enabled=False)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = Store.from_url(f"sqlite:///{tmp_path / 'bot.sqlite3'}")
    yield store
    store.dispose()


def _serve(store: Store, bin_dir: Path | None, settings: ServerSettings | None = None) -> HttpServer:
    readiness = readiness_for(store, lambda: bin_dir)
    app = build_wsgi_app(
        _bolt(), CollectorRegistry(), signing_secret=SECRET, readiness=readiness, settings=settings
    )
    return HttpServer(app, port=0, settings=settings).start()


def test_readyz_is_200_with_each_check_when_everything_is_there(store: Store) -> None:
    server = _serve(store, require_pulumi_cli())
    try:
        status, body = _get(server.url, "/readyz")
        health, _ = _get(server.url, "/healthz")
    finally:
        server.stop()

    assert status == 200 and health == 200
    assert json.loads(body) == {
        "ready": True,
        "failed": [],
        "checks": {"database": "ok", "migrations": "ok", "pulumi_cli": "ok"},
    }


def test_readyz_is_503_naming_what_failed(tmp_path: Path) -> None:
    unmigrated = Store.from_url(f"sqlite:///{tmp_path / 'empty.sqlite3'}", migrate=False)
    server = _serve(unmigrated, tmp_path / "no-pulumi-here")
    try:
        status, body = _get(server.url, "/readyz")
    finally:
        server.stop()
        unmigrated.dispose()

    answer = json.loads(body)
    assert status == 503
    assert answer["failed"] == ["migrations", "pulumi_cli"]
    assert answer["checks"]["database"] == "ok"
    assert answer["checks"]["migrations"].startswith("at nothing, head is ")


def test_a_body_over_the_limit_is_refused_by_its_content_length(store: Store) -> None:
    server = _serve(store, None, ServerSettings(max_request_body_size=1000))
    try:
        over, _ = _get(server.url, "/slack/events", "POST", b"x" * 1001)
        at_limit, _ = _get(server.url, "/slack/events", "POST", b"x" * 1000)
    finally:
        server.stop()

    assert over == 413
    assert at_limit == 401  # read, then refused for having no signature


def test_stop_answers_a_request_in_flight_then_refuses_new_connections() -> None:
    entered, release = threading.Event(), threading.Event()

    def slow(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        entered.set()
        release.wait(10)
        start_response("200 OK", [("Content-Length", "2")])
        return [b"ok"]

    server = HttpServer(slow, port=0, settings=ServerSettings(inflight_grace_seconds=10)).start()
    url = server.url
    answers: list[int] = []
    client = threading.Thread(target=lambda: answers.append(_get(url, "/")[0]))
    client.start()
    assert entered.wait(10)
    stopper = threading.Thread(target=server.stop)
    stopper.start()
    time.sleep(0.3)
    release.set()
    stopper.join(15)
    client.join(15)

    assert answers == [200]
    assert not stopper.is_alive()
    with pytest.raises(OSError):
        _get(url, "/")


def test_the_server_texts_render() -> None:
    assert "PB-7" in render_text("replies/restarting", request_id="PB-7")
    assert "nothing was done" in render_text("replies/unknown_action")
