"""`platformbot dev`: try the whole product without a Slack workspace.

Starts the real bot (HTTP, or Socket Mode with --socket), the local Slack emulator and a web
page on loopback with an embedded configuration; state lives in the data dir (default
~/.local/share/platformbot/sandbox).
"""

from __future__ import annotations

import logging
import signal
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bot.cli.logs import quiet_chatty_libraries
from bot.cli.root import app

if TYPE_CHECKING:
    from bot.devtools.sandbox.runtime import Sandbox


def _logging(data_dir: Path, console_level: str) -> Path:
    """Everything to a log file in the data dir; only warnings (or --log-level) to the terminal,
    which stays readable for the URL and the stop hint."""
    log_file = data_dir / "sandbox.log"
    data_dir.mkdir(parents=True, exist_ok=True)
    formatter = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    to_file = logging.FileHandler(log_file, encoding="utf-8")
    to_file.setFormatter(formatter)
    to_file.setLevel(logging.INFO)
    to_console = logging.StreamHandler()
    to_console.setFormatter(formatter)
    to_console.setLevel(getattr(logging, console_level.upper(), logging.WARNING))
    root = logging.getLogger()
    root.setLevel(logging.DEBUG if console_level.lower() == "debug" else logging.INFO)
    root.addHandler(to_file)
    root.addHandler(to_console)
    quiet_chatty_libraries()
    return log_file


@app.command()
def dev(
    port: Annotated[int, typer.Option(help="Port of the web page on 127.0.0.1 (0: any free port)")] = 8080,
    data_dir: Annotated[
        Path | None,
        typer.Option(
            help="SQLite, Pulumi state, repos and the local servers (default: PLATFORMBOT_DATA_DIR/sandbox)"
        ),
    ] = None,
    no_postgres: Annotated[
        bool, typer.Option("--no-postgres", help="Start no PostgreSQL: postgres-database is then unavailable")
    ] = False,
    no_rabbitmq: Annotated[
        bool,
        typer.Option("--no-rabbitmq", help="Start no RabbitMQ node: rabbitmq-vhost is then unavailable"),
    ] = False,
    socket: Annotated[
        bool,
        typer.Option("--socket", help="The local Slack reaches the bot over Socket Mode instead of HTTP"),
    ] = False,
    path_dir: Annotated[
        list[Path] | None,
        typer.Option(
            "--path-dir",
            help="A golden-path package folder (as `platformbot paths new` writes) to offer here before "
            "it is installed; repeatable",
        ),
    ] = None,
    log_level: Annotated[str, typer.Option(help="Terminal log level: debug, info, warning")] = "warning",
) -> None:
    """The sandbox: the bot, a local Slack and a web page to use them, on loopback, nothing to configure."""
    from bot.devtools.sandbox.claim import claim
    from bot.devtools.sandbox.config import SandboxOptions, default_data_dir
    from bot.devtools.sandbox.errors import SandboxError
    from provisioners.settings import PULUMI_VERSION, discover_pulumi_bin_dir

    path_dirs = tuple(d.expanduser().resolve() for d in path_dir or ())
    # Checked before anything starts: a typo should cost no PostgreSQL or RabbitMQ start-up.
    for folder in path_dirs:
        if not folder.is_dir():
            typer.echo(f"platformbot dev: --path-dir {folder}: there is no such folder", err=True)
            raise typer.Exit(2)
    where = (data_dir or default_data_dir()).expanduser().resolve()
    log_file = _logging(where, log_level)
    pulumi_bin_dir = discover_pulumi_bin_dir()
    if pulumi_bin_dir is None:
        typer.echo(
            f"platformbot dev needs the Pulumi CLI {PULUMI_VERSION} to plan and provision: "
            "run `make run` (or `make setup`), which builds it.",
            err=True,
        )
        raise typer.Exit(2)
    options = SandboxOptions(
        data_dir=where,
        port=port,
        postgres=not no_postgres,
        rabbitmq=not no_rabbitmq,
        pulumi_bin_dir=pulumi_bin_dir,
        socket=socket,
        golden_path_dirs=path_dirs,
    )
    try:
        # Before the bot's modules load (seconds), so the RabbitMQ node's seconds pass meanwhile.
        claimed = claim(where, rabbitmq=options.rabbitmq)
    except SandboxError as exc:
        typer.echo(f"platformbot dev: {exc}", err=True)
        raise typer.Exit(2) from exc
    try:
        from bot.devtools.sandbox.runtime import Sandbox

        sandbox = Sandbox(options, claimed)
        refusals = _start_refusals()
    except BaseException:
        claimed.release()
        raise
    try:
        sandbox.start()
    except refusals as exc:
        # A package from --path-dir that cannot load: the bot's own located message (package,
        # file, line, reason) instead of a traceback; start() has stopped what it started.
        typer.echo(f"platformbot dev: {exc}", err=True)
        raise typer.Exit(2) from exc
    except OSError as exc:
        if exc.errno == 98:  # EADDRINUSE: the page's port
            typer.echo(f"platformbot dev: port {port} is taken; pass --port N (0 picks a free one)", err=True)
            raise typer.Exit(2) from exc
        raise
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    _banner(sandbox, log_file)
    try:
        stop.wait()
    finally:
        typer.echo("platformbot dev: stopping…")
        sandbox.close()


def _start_refusals() -> tuple[type[Exception], ...]:
    """What a start can fail with that is a message, not a bug: the sandbox's own errors, and what
    create_app refuses to start with. Imported late, as the rest of the bot is."""
    from bot.app import START_REFUSALS
    from bot.devtools.sandbox.errors import SandboxError

    return (SandboxError, *START_REFUSALS)


def _redis_line(sandbox: Sandbox) -> str:
    redis = sandbox.redis
    return redis.server or f"none: redis-cache is unavailable ({redis.unavailable})"


def _rabbitmq_line(sandbox: Sandbox) -> str:
    rabbitmq = sandbox.rabbitmq
    if rabbitmq.server is None:
        return f"none: rabbitmq-vhost is unavailable ({rabbitmq.unavailable})"
    return f"{rabbitmq.server} (management API on {rabbitmq.management}, node in {rabbitmq.directory})"


def _banner(sandbox: Sandbox, log_file: Path) -> None:
    postgres = sandbox.postgres
    if postgres.server:
        pg = (
            f"{postgres.server} (local cluster in {postgres.directory})"
            if postgres.started_here
            else postgres.server
        )
    else:
        pg = f"none: postgres-database is unavailable ({postgres.unavailable})"
    typer.echo(
        "\n".join(
            [
                "platformbot sandbox is running (real bot, local Slack, nothing leaves this machine)",
                "",
                f"  Open  {sandbox.page_url}",
                "",
                f"  data dir    {sandbox.data_dir}",
                f"  PostgreSQL  {pg}",
                f"  Redis       {_redis_line(sandbox)}",
                f"  RabbitMQ    {_rabbitmq_line(sandbox)}",
                f"  bot         {_bot_line(sandbox)}",
                *_path_dir_lines(sandbox),
                f"  log         {log_file}",
                "",
                "Try `/platform help` in #platform-requests. Stop with Ctrl-C.",
            ]
        ),
    )


def _path_dir_lines(sandbox: Sandbox) -> list[str]:
    """The paths each --path-dir added, so a typo'd or empty folder shows before anyone asks."""
    if sandbox.bot is None:
        return []
    origins = sandbox.bot.services.path_origins
    lines = []
    for folder in sandbox.bot.config.golden_path_dirs:
        source = f"folder {folder}"
        found = [f"{name} {version}" for name, (version, src) in origins.items() if src == source]
        lines.append(f"  path dir    {folder}: {', '.join(found) or 'no golden-path package in it'}")
    return lines


def _bot_line(sandbox: Sandbox) -> str:
    url = sandbox.bot_server.url if sandbox.bot_server else "?"
    if sandbox.socket is not None:
        return f"Socket Mode (link to the local Slack; metrics on {url}/metrics)"
    return f"{url}/slack/events"
