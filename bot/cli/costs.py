"""`platformbot costs [team|path] [--window 30d|90d] [--chart FILE]` and `platformbot costs import FILE`.

The first is what `/platform costs` shows, in the terminal (the weekly trend as a PNG with
--chart); the second imports a FinOps FOCUS export (all of it, or nothing, with each bad row's
line and reason) and prints estimate against actual. Both read the bot's database (DATABASE_URL,
or the SQLite file under PLATFORMBOT_DATA_DIR) and the config's budgets and price book
(PLATFORMBOT_CONFIG) for each team's limit and the currency.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bot.cli.root import app

if TYPE_CHECKING:
    from bot.cost.budgets import TeamLimits
    from bot.cost.view import CostsView
    from bot.store import Store

USAGE = "platformbot costs [team|path] [--window 30d|90d] [--chart FILE] | platformbot costs import FILE.csv"


@dataclass
class Context:
    store: Store
    budgets: dict[str, TeamLimits] = field(default_factory=dict)
    currency: str = "EUR"
    teams: tuple[str, ...] = ()
    paths: tuple[str, ...] = ()


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.echo(f"platformbot: {message}", err=True)
    return typer.Exit(code)


def _context() -> Context:
    from bot.config import ConfigError, Settings, load_app_config
    from bot.cost import PriceBookError, load_price_book
    from bot.store import Store, default_database_url

    settings = Settings()
    url = settings.database_url or default_database_url(settings.data_dir)
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        raise _fail(f"no database at {url.removeprefix('sqlite:///')} (set DATABASE_URL)")
    found = Context(store=Store.from_url(url))
    if settings.platformbot_config is not None:
        try:
            config = load_app_config(settings.platformbot_config)
            book = load_price_book(config.prices_path)
        except (ConfigError, PriceBookError) as exc:
            found.store.dispose()
            raise _fail(str(exc)) from exc
        found.budgets, found.currency = dict(config.budgets), book.currency
        found.teams, found.paths = (*config.teams, *config.budgets), tuple(book.paths)
    return found


@app.command()
def costs(
    words: Annotated[
        list[str] | None,
        typer.Argument(help="A team or golden path; or `import FILE.csv`", show_default=False),
    ] = None,
    window: Annotated[str, typer.Option(help="The trend's window: 30d or 90d")] = "30d",
    team: Annotated[str | None, typer.Option(help="One team only (same as giving its name)")] = None,
    chart: Annotated[Path | None, typer.Option(help="Write the weekly trend chart (PNG) here")] = None,
) -> None:
    """Each team's and golden path's monthly run-rate of live resources against its budget, the
    newest imported bill against the estimates; or `costs import FILE.csv` (FinOps FOCUS 1.x)."""
    given = list(words or [])
    if given[:1] == ["import"]:
        if len(given) != 2:
            raise _fail(f"`costs import` takes one file: {USAGE}")
        raise typer.Exit(_import(Path(given[1])))
    if len(given) > 1 or (given and team):
        raise _fail(f"one team or golden path at most: {USAGE}")
    context = _context()
    try:
        view = _view(context, given[0] if given else team, window)
        _print(context, view)
        if chart is not None:
            from bot.cost.chart import render_cost_chart
            from bot.cost.slack import chart_title

            chart.write_bytes(render_cost_chart(view.trend, chart_title(view), view.currency, view.budget))
            typer.echo(f"chart: {chart}")
    finally:
        context.store.dispose()


def _view(context: Context, word: str | None, window: str) -> CostsView:
    from bot.cost.reading import live_costs, stack_changes
    from bot.cost.view import WINDOW_DAYS, Scope, accepted, build_view, known_teams

    live, changes = live_costs(context.store), stack_changes(context.store)
    teams = known_teams(context.teams, live, changes)
    paths = set(context.paths) | {c.path for c in changes}
    days = window.lower().removesuffix("d")
    if not days.isdigit() or int(days) not in WINDOW_DAYS:
        raise _fail(f"--window {window}: costs takes {accepted(teams, paths)}")
    if word is None:
        scope = Scope(days=int(days))
    elif word in paths:
        scope = Scope(path=word, days=int(days))
    elif word.lower() in teams:
        scope = Scope(team=word.lower(), days=int(days))
    else:
        raise _fail(f"no team or golden path `{word}`: costs takes {accepted(teams, paths)}")
    now = datetime.now(UTC)
    return build_view(live, changes, context.budgets, context.currency, scope, now, top=10)


def _print(context: Context, view: CostsView) -> None:
    from rich.console import Console
    from rich.table import Table

    from bot.cost.bill_present import bill_lines
    from bot.cost.imports import latest_import
    from bot.cost.present import money
    from bot.cost.showback import total

    currency = view.currency
    console = Console(width=200)
    title = f"Monthly cost of live resources ({view.scope.describe()}: {money(total(view.teams), currency)})"
    table = Table(title=title)
    for column in ("team", "committed", "budget", "left", "live", "no estimate", "dearest"):
        table.add_column(column)
    for spend in view.teams:
        use = spend.budget
        limit = None if use is None else use.monthly_limit
        left = None if use is None else use.remaining
        dearest = ", ".join(
            f"{r.stack_name} {'?' if r.monthly is None else money(r.monthly, currency)}"
            for r in spend.top[:3]
        )
        table.add_row(
            spend.team,
            money(spend.committed.monthly, currency),
            "-" if limit is None else money(limit, currency),
            "-" if left is None else money(left, currency),
            str(spend.committed.resources),
            str(spend.committed.unestimated),
            dearest,
        )
    console.print(table)
    paths = Table(title="By golden path")
    for column in ("golden path", "committed", "live", "no estimate"):
        paths.add_column(column)
    for by_path in view.paths:
        committed = by_path.committed
        paths.add_row(
            by_path.path,
            money(committed.monthly, currency),
            str(committed.resources),
            str(committed.unestimated),
        )
    console.print(paths)
    weeks = ", ".join(f"{p.week.since:%d %b} {money(p.total, currency)}" for p in view.trend)
    console.print(f"weekly run-rate (last {view.scope.days} days): {weeks}", highlight=False)
    summary = latest_import(context.store)
    if summary is not None:
        for line in bill_lines(summary, team=view.scope.team, path=view.scope.path):
            console.print(line, highlight=False)


def _import(file: Path) -> int:
    from bot.cost.bill_present import bill_lines
    from bot.cost.errors import AlreadyImported
    from bot.cost.focus import FocusError
    from bot.cost.imports import import_focus

    try:
        data = file.read_bytes()
    except OSError as exc:
        raise _fail(f"cannot read {file}: {exc.strerror}") from exc
    context = _context()
    try:
        summary = import_focus(
            context.store,
            data,
            filename=file.name,
            now=datetime.now(UTC),
            imported_by=getpass.getuser(),
            currency=context.currency,
        )
    except FocusError as exc:
        for problem in exc.problems:
            typer.echo(f"{file}:{problem.line}: {problem.reason}", err=True)
        typer.echo(
            f"platformbot: {file} not imported ({len(exc.problems)} problems); nothing stored", err=True
        )
        return 1
    except AlreadyImported as exc:
        typer.echo(f"platformbot: {file}: {exc}", err=True)
        return 1
    finally:
        context.store.dispose()
    for line in bill_lines(summary):
        typer.echo(line)
    return 0
