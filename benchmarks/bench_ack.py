"""Ack benchmark: how fast `platformbot serve` answers signed slash commands, against a bare Bolt app.

The peer is a bare Bolt app with one `/platform` listener that only acks, behind the same front
door and served by the same waitress server with the same settings, in the same process. The bot
is the real one (`create_app`, SQLite, the real Pulumi engine for previews) against the local
Slack emulator. The load comes from a second process (asyncio, a new connection per request, as
Slack sends them), signing each request with slack_sdk's signer. Runs alternate bot and peer.

1. ack path (`help`, `catalog`, a bad `request`) at concurrency 50 and 200, >= 1,000 each:
   p50, p99, max, refused/reset connections. Targets: 0 refused, p99 <= 50 ms at 50 and
   <= 150 ms at 200, p50 and p99 ratio to bare Bolt <= 1.3.
2. ack while 8 real `service` requests preview in the background: p99 <= 100 ms.
3. 3,000 idle half-open connections (half a header, then silence): the server's thread count
   stays within the bound, they are closed after the idle timeout, and real commands are
   answered under 100 ms meanwhile.

    .venv/bin/python benchmarks/bench_ack.py [--requests 1000]

Every figure is printed as measured, met or not.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from prometheus_client import CollectorRegistry  # noqa: E402
from slack_bolt import Ack, App  # noqa: E402
from slack_sdk import WebClient  # noqa: E402
from slack_sdk.signature import SignatureVerifier  # noqa: E402

from bot.app import create_app  # noqa: E402
from bot.config import ServerSettings  # noqa: E402
from bot.devtools.sandbox.config import SandboxOptions, sandbox_app_config, sandbox_settings  # noqa: E402
from bot.devtools.slack_emulator import SlackDriver, SlackEmulator, default_workspace  # noqa: E402
from bot.http_server import HttpServer, build_wsgi_app  # noqa: E402

TEXTS = ("help", "catalog", "request postgres-database name=x env=moon size=huge")
# Short enough for a benchmark to watch the idle sweep; everything else is the default.
SETTINGS = ServerSettings(channel_timeout=10, cleanup_interval=2)
IDLE = 3000


# -- the client (a second process) ---------------------------------------------------------------


@dataclass(frozen=True)
class Load:
    url: str
    secret: str
    requests: int
    concurrency: int


def _request(load: Load, text: str) -> bytes:
    body = urlencode(
        {
            "command": "/platform",
            "text": text,
            "user_id": "U0REQ",
            "user_name": "req",
            "channel_id": "C0REQUESTS",
            "team_id": "T0TEAM",
            "trigger_id": "1.2.3",
            "response_url": "http://127.0.0.1:9/none",
        }
    ).encode()
    stamp = str(int(time.time()))
    signature = SignatureVerifier(load.secret).generate_signature(timestamp=stamp, body=body)
    host = urlsplit(load.url)
    head = (
        f"POST /slack/events HTTP/1.1\r\nHost: {host.netloc}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"X-Slack-Request-Timestamp: {stamp}\r\nX-Slack-Signature: {signature}\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    return head.encode() + body


async def _one(load: Load, text: str) -> float | None:
    parts = urlsplit(load.url)
    data = _request(load, text)
    started = time.perf_counter()
    try:
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        writer.write(data)
        await writer.drain()
        status = await reader.readline()
        await reader.read()  # to the end: the server closes after the answer
        writer.close()
    except OSError:
        return None  # refused or reset
    if b" 200 " not in status:
        return None
    return time.perf_counter() - started


async def _run(load: Load) -> tuple[list[float], int]:
    gate = asyncio.Semaphore(load.concurrency)

    async def one(i: int) -> float | None:
        async with gate:
            return await _one(load, TEXTS[i % len(TEXTS)])

    results = await asyncio.gather(*(one(i) for i in range(load.requests)))
    return [r for r in results if r is not None], sum(r is None for r in results)


def _client(load: Load, out: Any) -> None:
    out.send(asyncio.run(_run(load)))


def run_load(load: Load) -> tuple[list[float], int]:
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    process = ctx.Process(target=_client, args=(load, child))
    process.start()
    result: tuple[list[float], int] = parent.recv()
    process.join()
    return result


def _hold_idle(url: str, count: int, ready: Any, done: Any) -> None:
    """Open `count` connections that send half a header and then nothing; report when each closes."""

    async def main() -> None:
        parts = urlsplit(url)
        streams = []
        for _ in range(count):
            reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
            writer.write(b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Le")
            await writer.drain()
            streams.append((reader, writer))
        ready.send(len(streams))
        started = time.monotonic()
        closed_after = await asyncio.gather(*(_closed(r, started) for r, _ in streams))
        done.send(closed_after)

    asyncio.run(main())


async def _closed(reader: asyncio.StreamReader, started: float) -> float | None:
    try:
        await asyncio.wait_for(reader.read(), timeout=120)
    except (TimeoutError, OSError):
        return None
    return time.monotonic() - started


# -- the servers (this process) ------------------------------------------------------------------


def bare_bolt(secret: str, token: str, api_url: str) -> HttpServer:
    # The workspace's real token: Bolt authorizes it once (auth.test) and caches it, as for the bot.
    app = App(signing_secret=secret, client=WebClient(token=token, base_url=api_url))

    @app.command("/platform")
    def platform(ack: Ack) -> None:
        ack()

    wsgi = build_wsgi_app(app, CollectorRegistry(), signing_secret=secret, settings=SETTINGS)
    return HttpServer(wsgi, port=0, settings=SETTINGS).start()


def _ms(seconds: float) -> float:
    return seconds * 1000


def figures(latencies: list[float]) -> tuple[float, float, float]:
    if not latencies:
        return float("nan"), float("nan"), float("nan")
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return _ms(statistics.median(ordered)), _ms(p99), _ms(ordered[-1])


def _met(ok: bool) -> str:
    return "met" if ok else "NOT met"


def _threads() -> int:
    return threading.active_count()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000, help="per server and concurrency (>= 1000)")
    args = parser.parse_args()
    workspace = default_workspace()
    secret = workspace.signing_secret
    with tempfile.TemporaryDirectory() as tmp, SlackEmulator(workspace) as slack:
        options = SandboxOptions(data_dir=Path(tmp), postgres=False, rabbitmq=False)
        config = sandbox_app_config(options).model_copy(update={"server": SETTINGS})
        bot = create_app(sandbox_settings(workspace, slack.base_url, Path(tmp)), config)
        bot.start()
        bot_server = bot.serve_http(port=0).start()
        peer = bare_bolt(secret, workspace.bot_token, slack.base_url)
        print(f"settings: {SETTINGS.model_dump()}")
        print(
            "peer: a bare Bolt app, one /platform listener that only acks, same front door, server, settings"
        )
        try:
            ack_path(bot_server.url, peer.url, secret, args.requests)
            during_previews(bot_server.url, secret, SlackDriver(slack, f"{bot_server.url}/slack/events"), bot)
            idle_connections(bot_server, secret)
        finally:
            peer.stop()
            bot.close()
    return 0


def ack_path(bot_url: str, peer_url: str, secret: str, requests: int) -> None:
    for concurrency, target in ((50, 50.0), (200, 150.0)):
        measured: dict[str, tuple[list[float], int]] = {"bot": ([], 0), "bare": ([], 0)}
        half = max(requests // 2, 1)
        # Warm-up, then two rounds each, alternating which goes first.
        run_load(Load(bot_url, secret, 100, concurrency))
        run_load(Load(peer_url, secret, 100, concurrency))
        for order in (("bot", "bare"), ("bare", "bot")):
            for name in order:
                url = bot_url if name == "bot" else peer_url
                got, refused = run_load(Load(url, secret, half, concurrency))
                measured[name] = (measured[name][0] + got, measured[name][1] + refused)
        (bot_lat, bot_ref), (bare_lat, bare_ref) = measured["bot"], measured["bare"]
        b50, b99, bmax = figures(bot_lat)
        p50, p99, pmax = figures(bare_lat)
        print(f"\nack path, concurrency {concurrency}, {len(bot_lat) + bot_ref} requests each:")
        print(f"  bot : p50 {b50:.1f} ms, p99 {b99:.1f} ms, max {bmax:.1f} ms, refused/reset {bot_ref}")
        print(f"  bare: p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {pmax:.1f} ms, refused/reset {bare_ref}")
        print(f"  refused 0: {_met(bot_ref == 0)}; p99 <= {target:.0f} ms: {_met(b99 <= target)}")
        print(
            f"  ratio bot/bare: p50 {b50 / p50:.2f}, p99 {b99 / p99:.2f} (target <= 1.3: "
            f"{_met(b50 / p50 <= 1.3 and b99 / p99 <= 1.3)})"
        )


def during_previews(url: str, secret: str, driver: SlackDriver, bot: Any) -> None:
    for i in range(8):
        driver.slash_command(f"request service name=bench{i} team=payments language=go owners=U0REQ")
    time.sleep(0.5)
    busy_at_start = bot.worker.pending
    got, refused = run_load(Load(url, secret, 1000, 50))
    busy_at_end = bot.worker.pending
    p50, p99, pmax = figures(got)
    print(
        f"\nack while 8 service requests preview "
        f"(background steps: {busy_at_start} at start, {busy_at_end} at end):"
    )
    print(f"  p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {pmax:.1f} ms, refused/reset {refused}")
    print(f"  p99 <= 100 ms: {_met(p99 <= 100)}")
    started = time.monotonic()
    try:
        bot.worker.drain(300)  # the idle phase below measures a quiet bot
        print(f"  (the 8 requests' previews and applies finished {time.monotonic() - started:.0f} s later)")
    except TimeoutError:
        print("  (the 8 requests' background work was still running after 300 s more)")


def idle_connections(server: HttpServer, secret: str) -> None:
    ctx = multiprocessing.get_context("spawn")
    ready_parent, ready_child = ctx.Pipe()
    done_parent, done_child = ctx.Pipe()
    before = _threads()
    holder = ctx.Process(target=_hold_idle, args=(server.url, IDLE, ready_child, done_child))
    holder.start()
    opened = ready_parent.recv()
    time.sleep(0.5)
    during, open_conns = _threads(), server.open_connections()
    got, refused = run_load(Load(server.url, secret, 200, 10))
    p50, p99, pmax = figures(got)
    closed_after = done_parent.recv()
    holder.join()
    closed = [c for c in closed_after if c is not None]
    bound = before  # connections hold no threads: the pool is fixed
    print(f"\n{opened} idle half-open connections (channel_timeout {SETTINGS.channel_timeout} s):")
    print(f"  server threads: {before} before, {during} while held ({open_conns} connections open)")
    print(f"  thread count within the bound ({bound}): {_met(during <= bound)}")
    print(
        f"  real commands meanwhile: p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {pmax:.1f} ms, "
        f"refused/reset {refused}"
    )
    print(f"  under 100 ms: {_met(pmax < 100 and refused == 0)} (max)")
    limit = SETTINGS.channel_timeout + SETTINGS.cleanup_interval + 2
    if closed:
        print(
            f"  closed by the server: {len(closed)} of {opened}, after {min(closed):.1f}-{max(closed):.1f} s "
            f"(all within timeout + sweep + 2 s = {limit} s: "
            f"{_met(len(closed) == opened and max(closed) <= limit)})"
        )
    else:
        print(f"  closed by the server: 0 of {opened}: NOT met")


if __name__ == "__main__":
    raise SystemExit(main())
