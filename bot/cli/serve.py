"""`platformbot serve`: the bot against a real Slack workspace (HTTP or Socket Mode)."""

from __future__ import annotations

import logging
import os
import signal
import threading
from typing import Annotated

import typer

from bot.cli.logs import quiet_chatty_libraries
from bot.cli.root import app


def configure_logging(level: str) -> None:
    logging.basicConfig(
        level=getattr(logging, level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    quiet_chatty_libraries()


@app.command()
def serve(
    port: Annotated[int, typer.Option(help="HTTP port for POST /slack/events and GET /metrics")] = 3000,
    host: Annotated[str, typer.Option(help="Address to listen on")] = "0.0.0.0",
    socket: Annotated[bool, typer.Option("--socket", help="Socket Mode (needs SLACK_APP_TOKEN)")] = False,
    log_level: Annotated[str, typer.Option(help="debug, info, warning")] = "info",
) -> None:
    """Serve the bot. Configuration: environment variables and PLATFORMBOT_CONFIG (see README)."""
    from bot.app import START_REFUSALS, create_app
    from bot.config import Settings
    from bot.shutdown import shut_down

    configure_logging(log_level)
    settings = Settings()
    try:
        bot = create_app(settings)
    except START_REFUSALS as exc:
        typer.echo(f"platformbot: {exc}", err=True)
        raise typer.Exit(2) from exc
    bot.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    close_socket = None
    if socket:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        if settings.slack_app_token is None:
            typer.echo("platformbot: --socket needs SLACK_APP_TOKEN (an xapp- token)", err=True)
            raise typer.Exit(2)
        handler = SocketModeHandler(bot.bolt, settings.slack_app_token.get_secret_value())
        handler.connect()
        close_socket = handler.close
        # Metrics and health still come over HTTP in Socket Mode.
        server = bot.serve_http(port=port, host=host).start()
        typer.echo(f"platformbot: Socket Mode connected; metrics on {server.url}/metrics")
    else:
        server = bot.serve_http(port=port, host=host).start()
        typer.echo(f"platformbot: listening on {server.url}/slack/events", err=True)
    stop.wait()
    typer.echo("platformbot: stopping (SIGTERM): answering requests in flight, finishing applies", err=True)
    if not shut_down(bot, [server], extra_close=close_socket):
        # A step still runs on a worker thread the interpreter would wait for: leave now, as the
        # grace promised; start-up recovery takes the request over.
        logging.shutdown()
        os._exit(0)
