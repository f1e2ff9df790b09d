"""`platformbot worker`: a Temporal worker running the workflow's steps (plan, apply, destroy).

It reads the same configuration as `serve` (database, Pulumi backend, Slack token for the thread
updates) and needs `executor: temporal`. Run as many as there should be concurrent runs, on any
machines that reach the Temporal server, the database and the Pulumi state.
"""

from __future__ import annotations

import signal
import threading
from typing import Annotated

import typer

from bot.cli.root import app
from bot.cli.serve import configure_logging


@app.command()
def worker(
    concurrency: Annotated[
        int | None, typer.Option(help="Steps run at once (default: temporal.worker_concurrency)")
    ] = None,
    log_level: Annotated[str, typer.Option(help="debug, info, warning")] = "info",
) -> None:
    """Run a Temporal worker for plans and applies. Configuration: as for `serve`."""
    from bot.app import START_REFUSALS, create_app
    from bot.config import Settings
    from bot.temporal import StepWorker
    from bot.temporal.connection import TemporalUnavailable

    configure_logging(log_level)
    refusals: tuple[type[Exception], ...] = (*START_REFUSALS, TemporalUnavailable)
    try:
        bot = create_app(Settings())
    except refusals as exc:
        typer.echo(f"platformbot: {exc}", err=True)
        raise typer.Exit(2) from exc
    execution = bot.execution
    if execution is None or execution.temporal is None or execution.connection is None:
        bot.close()
        typer.echo("platformbot: `worker` needs `executor: temporal` in the config", err=True)
        raise typer.Exit(2)
    settings = bot.config.temporal
    steps = StepWorker(
        execution.connection, execution.temporal, concurrency=concurrency or settings.worker_concurrency
    ).start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    typer.echo(
        f"platformbot: worker polling task queue {settings.task_queue} on {settings.address}", err=True
    )
    failed = False
    while not stop.wait(1.0):
        if steps.done():
            failed = True
            break
    steps.stop()
    bot.close()
    if failed:
        typer.echo("platformbot: the Temporal worker stopped on its own (see the log)", err=True)
        raise typer.Exit(1)
