"""`platformbot report [--days 30] [--out chart.png]`: outcome metrics in the terminal, the chart as PNG.

Reads the same database as the bot: DATABASE_URL, or the SQLite file under PLATFORMBOT_DATA_DIR.
PLATFORMBOT_CONFIG, when set, names the configured teams (the adoption denominator). The figures
are the ones `/platform stats` posts; their definitions are in the README (Outcome metrics).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bot.cli.root import app

if TYPE_CHECKING:
    from rich.console import Console

    from bot.metrics import Report


@app.command()
def report(
    days: Annotated[int, typer.Option(min=1, max=3650, help="Window: the last N days")] = 30,
    out: Annotated[
        Path | None, typer.Option(help="PNG chart path (default: platform-outcomes-<N>d-<date>.png)")
    ] = None,
    until: Annotated[
        datetime | None, typer.Option(help="End of the window (UTC), default now; e.g. 2026-11-30")
    ] = None,
) -> None:
    """Print the platform's outcome metrics and write the weekly trend chart."""
    from rich.console import Console

    from bot.clock import as_utc
    from bot.config import ConfigError, Settings, load_app_config
    from bot.errors import WorkflowError
    from bot.metrics.chart import render_chart
    from bot.metrics.report import report_for
    from bot.metrics.slack import chart_filename, title
    from bot.store import Store, default_database_url

    console = Console()
    settings = Settings()
    url = settings.database_url or default_database_url(settings.data_dir)
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        missing = url.removeprefix("sqlite:///")
        typer.echo(f"platformbot: no database at {missing} (set DATABASE_URL)", err=True)
        raise typer.Exit(2)
    teams: tuple[str, ...] = ()
    if settings.platformbot_config is not None:
        try:
            teams = tuple(load_app_config(settings.platformbot_config).teams)
        except ConfigError as exc:
            typer.echo(f"platformbot: {exc}", err=True)
            raise typer.Exit(2) from exc
    now = as_utc(until) if until is not None else datetime.now(UTC)
    try:
        # Like the bot, brings the schema to head first (under the migration lock).
        store = Store.from_url(url)
        try:
            result = report_for(store, days, now, teams)
        finally:
            store.dispose()
    except WorkflowError as exc:
        typer.echo(f"platformbot: {exc.message}", err=True)
        raise typer.Exit(1) from exc
    show(console, result)
    path = out or Path(chart_filename(result))
    path.write_bytes(render_chart(result.trend, f"{title(result)}: weekly lead time and NPS", result.window))
    console.print(f"\nChart written to [bold]{path}[/bold]")


def show(console: Console, result: Report) -> None:
    from rich.table import Table

    from bot.metrics import present
    from bot.metrics.slack import title

    window = result.window
    span = f"{window.since:%Y-%m-%d %H:%M} – {window.until:%Y-%m-%d %H:%M} UTC"
    figures = Table(title=f"{title(result)} ({span})")
    figures.add_column("metric", style="bold")
    figures.add_column("value")
    figures.add_column("counted", style="dim")
    for figure in present.figures(result):
        figures.add_row(figure.label, figure.value, figure.detail)
    console.print(figures)

    paths = Table(title="Requests per golden path")
    paths.add_column("golden path")
    paths.add_column("requests", justify="right")
    paths.add_column("", style="dim")
    for figure in present.requests_per_path(result):
        paths.add_row(figure.label, figure.value, figure.detail)
    teams = Table(title="Time to first provision")
    teams.add_column("team")
    teams.add_column("first request → first success")
    for figure in present.first_provision(result):
        teams.add_row(figure.label, figure.value)
    trend = Table(title="Weekly trend")
    trend.add_column("week from")
    trend.add_column("median lead time", justify="right")
    trend.add_column("requests", justify="right")
    trend.add_column("NPS", justify="right")
    trend.add_column("people", justify="right")
    for point in result.trend:
        score = point.nps.score
        trend.add_row(
            f"{point.week.since:%Y-%m-%d}",
            present.span(point.lead_time.median),
            str(point.lead_time.count),
            "–" if score is None else f"{score:+.0f}",
            str(point.nps.respondents),
        )
    for table in (paths, teams, trend):
        console.print(table)
    if result.comments:
        console.print("[bold]Latest comments[/bold]")
        for comment in result.comments:
            console.print(f"  “{' '.join(comment.split())}”", markup=False, highlight=False)
